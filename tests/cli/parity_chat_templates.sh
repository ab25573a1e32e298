#!/bin/sh
# The goldens of tests/data/chat_templates (Python's jinja2, which
# test_server_jinja holds infrac's Jinja subset to) agree with the Jinja
# implementation node-llama-cpp renders a GGUF's chat template with
# (@huggingface/jinja, its JinjaTemplateChatWrapper): three renderers, one text.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/parity/lib.sh"
parity_setup "chat template parity with node-llama-cpp" || exit 0
timeout 60 node "$SRC/tests/parity/chat_templates.mjs" "$SRC/tests/data/chat_templates"
