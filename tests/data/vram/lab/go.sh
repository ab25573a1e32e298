#!/bin/bash
# Foreground: start the background job once, wait up to $1 seconds, copy what exists to $OUT.
LAB=/tmp/lab; mkdir -p $LAB
if [ ! -e $LAB/started ]; then touch $LAB/started; setsid nohup bash $PWD/.lab/all.sh $PWD > $LAB/all.log 2>&1 < /dev/null & fi
end=$((SECONDS + ${1:-550}))
while [ $SECONDS -lt $end ] && [ ! -e $LAB/done ]; do sleep 5; done
cp $LAB/env.txt $LAB/results.jsonl $LAB/mkmodels.log $OUT/ 2>/dev/null
tail -c 3000 $LAB/build.log; tail -5 $LAB/cmake.log; cat $LAB/mkmodels.log $LAB/measure.log $LAB/all.log 2>/dev/null | tail -60
ls $LAB; [ -e $LAB/done ] && { tar -czf $OUT/logs.tar.gz -C $LAB logs cmake.log build.log; cd $LAB/models && tar -czf $OUT/headers.tar.gz *.header.gguf; }
ls -la $OUT
