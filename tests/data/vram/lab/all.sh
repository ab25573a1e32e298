#!/bin/bash
# Background job on the device: build llama-server, write the models, measure.
LAB=/tmp/lab; R=$1
mkdir -p $LAB/src $LAB/models
{ nvidia-smi --query-gpu=index,name,uuid,driver_version,memory.total --format=csv; nproc; cmake --version | head -1; nvcc --version | tail -2; } > $LAB/env.txt 2>&1
tar -xJf $R/.lab/llama-src.tar.xz -C $LAB/src
mkdir -p $LAB/src/scripts; cp $R/.lab/ui-assets.cmake $LAB/src/scripts/
(SET=2 LLAMA_SRC=$LAB/src python3 $R/.lab/mkmodels.py $LAB/models > $LAB/mkmodels.log 2>&1; echo rc=$? >> $LAB/mkmodels.log) &
MK=$!
cmake -S $LAB/src -B $LAB/build -G Ninja -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAMA_CURL=OFF \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DGGML_NATIVE=ON > $LAB/cmake.log 2>&1
cmake --build $LAB/build --target llama-server -j $(nproc) > $LAB/build.log 2>&1
echo "build rc=$?" >> $LAB/build.log
wait $MK
touch $LAB/built
SET=2 LV=4 EXTRA=1 TWO_GPUS=$(( $(nvidia-smi -L | wc -l) >= 2 )) python3 $R/.lab/measure.py $LAB/build/bin/llama-server $LAB/results.jsonl $LAB/models > $LAB/measure.log 2>&1
touch $LAB/done
