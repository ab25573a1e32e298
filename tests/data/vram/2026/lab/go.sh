#!/bin/bash
# Foreground: start the background job once, wait up to $1 seconds, copy what exists to $OUT.
LAB=/tmp/lab; mkdir -p $LAB
if [ ! -e $LAB/started ]; then touch $LAB/started; setsid nohup bash $PWD/.lab/all.sh $PWD > $LAB/all.log 2>&1 < /dev/null & fi
end=$((SECONDS + ${1:-550}))
while [ $SECONDS -lt $end ] && [ ! -e $LAB/done ]; do sleep 3; done
[ -n "$2" ] && touch $LAB/STOP
cp $LAB/env.txt $LAB/results.jsonl $OUT/ 2>/dev/null
tail -c 1500 $LAB/build.log; tail -3 $LAB/cmake.log; cat $LAB/mk.log $LAB/all.log 2>/dev/null | tail -12; tail -40 $LAB/measure.log
ls $LAB; [ -d $LAB/logs ] && tar -czf $OUT/logs.tar.gz -C $LAB logs
ls -la $OUT
