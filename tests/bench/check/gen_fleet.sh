#!/bin/sh
# Writes a clean fleet of HOSTS hosts and SERVICES services (spread evenly)
# on stdout, for `make bench`. Each host has two RTX 4090s and 128 GiB;
# services rotate over 20 model shapes, the two GPUs and the CPU, with
# exclusive pairs, distinct ports and loopback binds, so the whole fleet
# checks clean and every check runs on every service.
#   sh gen_fleet.sh HOSTS SERVICES
hosts=${1:?hosts} services=${2:?services}
awk -v H="$hosts" -v S="$services" 'BEGIN {
    print "fleet: bench"
    print "defaults:"
    print "  bind: 127.0.0.1"
    print "  cache_ram: 1 GiB"
    print "checks:"
    print "  vram_margin: 512 MiB"
    print "hosts:"
    for (h = 0; h < H; h++) {
        printf "  host-%04d:\n", h
        printf "    address: 10.%d.%d.%d\n", int(h / 65536) % 256, int(h / 256) % 256, h % 256
        print  "    memory: 128 GiB"
        print  "    cpus: 32"
        print  "    gpus: [rtx-4090, rtx-4090]"
        print  "    reserved_ports: [22, 9100]"
    }
    print "models:"
    for (m = 0; m < 20; m++) {
        layers = 16 + m; embd = 2048; heads = 16; kv = 8
        printf "  model-%02d:\n", m
        printf "    path: /models/model-%02d.gguf\n", m
        print  "    shape:"
        print  "      arch: llama"
        printf "      layers: %d\n", layers
        printf "      embd: %d\n", embd
        printf "      heads: %d\n", heads
        printf "      kv_heads: %d\n", kv
        print  "      head_dim: 128"
        print  "      ff: 8192"
        print  "      vocab: 128256"
        print  "      ctx_train: 131072"
        printf "      weights: %d MiB\n", 700 + 40 * m
    }
    print "services:"
    per = int(S / H); extra = S - per * H; n = 0
    for (h = 0; h < H; h++) {
        k = per + (h < extra ? 1 : 0)
        for (i = 0; i < k; i++) {
            printf "  svc-%05d:\n", n
            printf "    host: host-%04d\n", h
            printf "    model: model-%02d\n", n % 20
            printf "    port: %d\n", 8000 + i
            printf "    context: %d\n", 2048 * (1 + i % 4)
            if (i % 5 == 4) {
                print "    threads: 4"
            } else {
                printf "    gpus: [%d]\n", i % 2
                print  "    cache: q8_0"
            }
            if (i % 5 == 1 || i % 5 == 3) printf "    exclusive: pair-%d\n", int(i / 5)
            n++
        }
    }
}'
