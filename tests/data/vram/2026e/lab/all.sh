#!/bin/bash
# Background job on the device: build llama-server (CUDA, no flash-attention kernels), write the sparse models, measure set 2026-D.
LAB=/tmp/lab-md; R=$1; L=$R/.lab/md  # the lab folder: this directory + ../../2026/lab/{mkshape2,measure}.py + lcpp-src.tar.xz
mkdir -p $LAB/models
{ nvidia-smi --query-gpu=index,name,uuid,driver_version,memory.total --format=csv; nproc; cmake --version | head -1; nvcc --version | tail -2; } > $LAB/env.txt 2>&1
(for s in qwen3-8b qwen3-0.6b gemma4-26b-a4b qwen35-27b-16l-mtp glm45-air-12l; do
   python3 $L/mkshape2.py $LAB/models/$s.gguf $s || echo "mk $s failed"; done; ls -ls $LAB/models) > $LAB/mk.log 2>&1 &
if [ ! -x $LAB/build/bin/llama-server ]; then
  tar -xJf $L/lcpp-src.tar.xz -C $LAB
  cmake -S $LAB/llama.cpp -B $LAB/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_FA=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF > $LAB/cmake.log 2>&1
  cmake --build $LAB/build --target llama-server -j $(nproc) > $LAB/build.log 2>&1
  echo "build rc=$? at $SECONDS s" >> $LAB/build.log
fi
wait
touch $LAB/built
ROUND=${ROUND:-E} GT=$LAB LLAMA_SERVER=$LAB/build/bin/llama-server PYTHONUNBUFFERED=1 python3 $L/measure.py > $LAB/measure.log 2>&1
touch $LAB/done
