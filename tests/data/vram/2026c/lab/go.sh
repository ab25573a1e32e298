#!/bin/bash
# Foreground: start the background job once, wait up to $1 seconds, stop it, copy what exists to $OUT.
LAB=/tmp/lab-mn; mkdir -p $LAB
if [ ! -e $LAB/started ]; then touch $LAB/started; setsid nohup bash $PWD/.lab/models-now/all.sh $PWD > $LAB/all.log 2>&1 < /dev/null & fi
end=$((SECONDS + ${1:-250}))
while [ $SECONDS -lt $end ] && [ ! -e $LAB/done ]; do sleep 2; done
touch $LAB/STOP
sleep 1
cp $LAB/env.txt $LAB/results.jsonl $OUT/ 2>/dev/null
tail -c 400 $LAB/build.log; tail -2 $LAB/cmake.log; cat $LAB/mk.log $LAB/all.log 2>/dev/null | tail -6; tail -14 $LAB/measure.log
[ -d $LAB/logs ] && tar -czf $OUT/logs.tar.gz -C $LAB logs
ls -la $OUT
