#!/bin/sh
# infrac build for Kubernetes hosts (`platform: kubernetes`): LLMKube Model
# and InferenceService resources, validated against the CRDs' openAPIV3Schema
# (tests/data/ecosystem, Apache-2.0) with a real validator (ajv from npm,
# tests/ecosystem), their memory requests equal to the plan's estimate, and
# what has no Kubernetes form refused (E0805, build errors). Skips, loudly,
# only when the npm registry cannot be reached to install ajv.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/llmkube-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dir="$SRC/tests/ecosystem"
crds="$SRC/tests/data/ecosystem/llmkube-crd-models.yaml $SRC/tests/data/ecosystem/llmkube-crd-inferenceservices.yaml"
fleet="$SRC/examples/llmkube-cluster.yaml"
"$INFRAC" build "$fleet" -o "$tmp/out" >/dev/null 2>&1
check "one resource file per service" sh -c "[ \"\$(ls '$tmp/out/llmkube' | wc -l)\" = 3 ]"
check "no systemd units or scripts for Kubernetes nodes" sh -c "[ ! -d '$tmp/out/gpu-node-1' ] && [ ! -d '$tmp/out/gpu-node-2' ]"
check "nor in the Ansible inventory" sh -c "! grep -q gpu-node '$tmp/out/ansible/inventory.yml'"
# the requests are the plan's estimate: host RAM and the largest GPU share, in MiB rounded up
for s in chat batch long; do
    host=$(jq -r ".services[] | select(.name == \"$s\") | (.memory.host.total + 1048575) / 1048576 | floor" "$tmp/out/plan.json")
    gpu=$(jq -r ".services[] | select(.name == \"$s\") | ([.memory.gpus[].total] | max + 1048575) / 1048576 | floor" "$tmp/out/plan.json")
    check "$s: memory requests are the estimate (host ${host}Mi, GPU ${gpu}Mi)" \
        sh -c "[ \"\$(grep -c '^    memory: ${host}Mi\$' '$tmp/out/llmkube/$s.yaml')\" = 2 ] &&
               grep -qx '      memory: ${gpu}Mi' '$tmp/out/llmkube/$s.yaml'"
done
check "the node pins the pod" grep -qx '    kubernetes.io/hostname: "gpu-node-1"' "$tmp/out/llmkube/chat.yaml"
check "a node's namespace is both resources' metadata.namespace" \
    sh -c "[ \"\$(grep -c '^  namespace: llm-batch\$' '$tmp/out/llmkube/batch.yaml')\" = 2 ] && ! grep -q namespace '$tmp/out/llmkube/chat.yaml'"
sed 's/    namespace: llm-batch .*/    namespace: LLM_Batch/' "$fleet" > "$tmp/ns.yaml"
sed '/gpu-node-2:/,/memory/ s/    platform: kubernetes/    platform: linux/' "$fleet" > "$tmp/ns-linux.yaml"
"$INFRAC" check --color never "$tmp/ns.yaml" > "$tmp/ns.txt" 2>&1
"$INFRAC" check --color never "$tmp/ns-linux.yaml" > "$tmp/ns-linux.txt" 2>&1
check "a namespace that is no RFC 1123 label is E0809 at its line" \
    sh -c "grep -q 'error\[E0809\]: namespace .LLM_Batch. of host .gpu-node-2. is not a Kubernetes namespace name' '$tmp/ns.txt' && grep -q 'ns.yaml:17:' '$tmp/ns.txt'"
check "a namespace on a host that is no Kubernetes node is E0809" \
    grep -q "error\[E0809\]: host .gpu-node-2. sets .namespace., but it is not a Kubernetes node" "$tmp/ns-linux.txt"
check "cache types as the CRD names them" sh -c "grep -qx '  cacheTypeK: q8_0' '$tmp/out/llmkube/chat.yaml'"
# refusals: keys only a unit honours, names a resource cannot take, values beyond the CRD
sed 's/    cache: q8_0/    cache: q8_0\n    mlock: true\n    after: [tailscaled.service]/' "$fleet" > "$tmp/unit-keys.yaml"
"$INFRAC" check --color never "$tmp/unit-keys.yaml" > "$tmp/unit-keys.txt" 2>&1
check "mlock and after on a Kubernetes host are E0805" \
    sh -c "[ \"\$(grep -c 'error\[E0805\]' '$tmp/unit-keys.txt')\" = 2 ] && grep -q 'sets .mlock.' '$tmp/unit-keys.txt'"
sed 's/^  chat:/  Chat_1:/' "$fleet" > "$tmp/name.yaml"
"$INFRAC" build "$tmp/name.yaml" -o "$tmp/name" > "$tmp/name.txt" 2>&1
check "a service name that is no RFC 1123 label is refused by the build" grep -q "cannot name an LLMKube resource" "$tmp/name.txt"
sed 's/    parallel: 4/    parallel: 100/' "$fleet" > "$tmp/slots.yaml"
"$INFRAC" build "$tmp/slots.yaml" -o "$tmp/slots" > "$tmp/slots.txt" 2>&1
check "more slots than LLMKube's parallelSlots allows is refused" grep -q "parallel 100 is outside LLMKube's parallelSlots range" "$tmp/slots.txt"
if [ ! -d "$dir/node_modules/ajv" ] || [ ! -d "$dir/node_modules/yaml" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >"$tmp/npm.log" 2>&1) || {
        skip "LLMKube CRD validation" "npm registry unreachable: cd tests/ecosystem && npm ci ($(tail -1 "$tmp/npm.log"))"
        echo "1..$TAP_N"
        exit 0
    }
fi
# shellcheck disable=SC2086
out=$(node "$dir/validate_crd.mjs" $crds -- "$tmp"/out/llmkube/*.yaml 2>&1)
check "every resource valid against its CRD: $(echo "$out" | tr '\n' ' ')" [ $? -eq 0 ]
check "six resources validated (a Model and an InferenceService each)" [ "$(echo "$out" | grep -c '^ok ')" = 6 ]
# the validator is not a no-op: a wrong type, a value out of range, an unknown runtime, a kind no CRD defines
printf 'apiVersion: inference.llmkube.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: x}\nspec:\n  modelRef: x\n  parallelSlots: 100\n  runtime: ollama\n  contextSize: "big"\n---\napiVersion: inference.llmkube.dev/v1alpha1\nkind: Model\nmetadata: {name: x}\nspec: {format: gguf}\n' > "$tmp/bad.yaml"
# shellcheck disable=SC2086
bad=$(node "$dir/validate_crd.mjs" $crds -- "$tmp/bad.yaml" 2>&1)
check "broken resources are refused by the validator" sh -c "[ \"\$(echo '$bad' | grep -c '^bad ')\" = 2 ]"
echo "1..$TAP_N"
