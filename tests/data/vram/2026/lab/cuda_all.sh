#!/bin/bash
# Background job on the GPU machine: build llama-server (CUDA; without the flash-attention kernels, a
# shorter build inside the device time where every row runs -fa off, unless FA_KERNELS=ON), write the
# sparse models named by $SHAPES with mkshape2.py, then run measure.py's plan $ROUND (sets 2026-C to I).
# $1: the repository root there; the lab folder $1/.lab/md holds this script, cuda_go.sh,
# measure.py, mkshape2.py and lcpp-src.tar.xz (the llama.cpp source of node-llama-cpp@3.22.1, trimmed).
LAB=/tmp/lab-md; R=$1; L=$R/.lab/md
: "${ROUND:?ROUND names the plan of measure.py}" "${SHAPES:?SHAPES lists the shapes mkshape2.py writes}"
FA_KERNELS=${FA_KERNELS:-OFF}
mkdir -p $LAB/models
{ nvidia-smi --query-gpu=index,name,uuid,driver_version,memory.total --format=csv; nproc; cmake --version | head -1; nvcc --version | tail -2; } > $LAB/env.txt 2>&1
(for s in $SHAPES; do
   python3 $L/mkshape2.py $LAB/models/$s.gguf $s || echo "mk $s failed"; done; ls -ls $LAB/models) > $LAB/mk.log 2>&1 &
if [ ! -x $LAB/build/bin/llama-server ]; then
  tar -xJf $L/lcpp-src.tar.xz -C $LAB
  cmake -S $LAB/llama.cpp -B $LAB/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_FA=$FA_KERNELS -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF > $LAB/cmake.log 2>&1
  cmake --build $LAB/build --target llama-server -j "$(nproc)" > $LAB/build.log 2>&1
  echo "build rc=$? at $SECONDS s" >> $LAB/build.log
fi
wait
touch $LAB/built
ROUND=$ROUND GT=$LAB LLAMA_SERVER=$LAB/build/bin/llama-server PYTHONUNBUFFERED=1 python3 $L/measure.py > $LAB/measure.log 2>&1
touch $LAB/done
