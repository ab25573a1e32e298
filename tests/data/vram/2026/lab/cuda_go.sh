#!/bin/bash
# Foreground, one device call (`ROUND=F SHAPES="..." [FA_KERNELS=ON] bash .lab/md/cuda_go.sh 540`): start
# cuda_all.sh once (it survives between back-to-back calls while the machine stays warm), wait up
# to $1 seconds or until it is done, copy what exists to $OUT. `cuda_go.sh N stop` also stops the
# measurement after the wait.
LAB=/tmp/lab-md; mkdir -p $LAB
if [ ! -e $LAB/started ]; then touch $LAB/started; setsid nohup bash $PWD/.lab/md/cuda_all.sh $PWD > $LAB/all.log 2>&1 < /dev/null & fi
end=$((SECONDS + ${1:-250}))
while [ $SECONDS -lt $end ] && [ ! -e $LAB/done ]; do sleep 2; done
[ "$2" = stop ] && touch $LAB/STOP
cp $LAB/env.txt $LAB/results.jsonl $OUT/ 2>/dev/null
tail -c 400 $LAB/build.log; tail -2 $LAB/cmake.log; cat $LAB/mk.log $LAB/all.log 2>/dev/null | tail -6; tail -14 $LAB/measure.log
[ -d $LAB/logs ] && tar -czf $OUT/logs.tar.gz -C $LAB logs
ls -la $OUT
