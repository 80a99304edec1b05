#!/usr/bin/env bash
# The runtime side-by-side run of docs/benchmarks.md ("One runtime: device, dtype, int8"): our fp32 / fp16 / int8
# decoding (JDK 25 and JDK 17, int8 with and without the Vector API), Jlama 0.8.4 F32 / Q8 / Q4 on the same checkpoint
# and prompt ids, and the beacon memory in fp32 and int8. Run from the repository root on an otherwise idle machine,
# after `./mvnw -q -B -pl memorag-bench -am package -DskipTests`. Writes JSON reports to ${OUT:-/tmp/side-by-side}.
set -u
OUT="${OUT:-/tmp/side-by-side}"; mkdir -p "$OUT"
J25="${J25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
J17="${J17:-java}"
JAR=memorag-bench/target/memorag-bench.jar
LLM="bench llm --model /tmp/q05 --device cpu --json"
[ -d /tmp/q05 ] || "$J17" -jar $JAR bench make-model --family qwen2 --shape qwen2-0.5b --out /tmp/q05 --seed 1
[ -d /tmp/q05b ] || "$J17" -jar $JAR bench make-model --family qwen2 --shape qwen2-0.5b --beacon-ratio 4 \
    --out /tmp/q05b --seed 1
JLAMA="$PWD/docs/bench/jlama"
if [ ! -d "$OUT/jlama/classes" ]; then
  (cd "$JLAMA" && ../../../mvnw -q -B dependency:copy-dependencies -DoutputDirectory="$OUT/jlama/lib")
  "$(dirname "$J25")/javac" -d "$OUT/jlama/classes" -cp "$OUT/jlama/lib/*" "$JLAMA/JlamaBench.java"
fi
uptime > "$OUT/load-start.txt"
for d in fp32 int8; do
  "$J25" --add-modules jdk.incubator.vector -Xmx8g -jar $JAR $LLM --prompt-tokens 512 --new-tokens 64 --dtype $d \
      > "$OUT/llm-$d-jdk25.json" 2>/dev/null
done
# CPU fp16 is slow to prefill: a shorter prompt, with fp32 on the same prompt beside it
for d in fp16 fp32; do
  "$J25" --add-modules jdk.incubator.vector -Xmx8g -jar $JAR $LLM --prompt-tokens 64 --new-tokens 8 --dtype $d \
      > "$OUT/llm-$d-jdk25-short.json" 2>/dev/null
done
"$J17" --add-modules jdk.incubator.vector -Xmx8g -jar $JAR $LLM --prompt-tokens 512 --new-tokens 64 --dtype int8 \
    > "$OUT/llm-int8-jdk17.json" 2>/dev/null
"$J17" -Xmx8g -jar $JAR $LLM --prompt-tokens 512 --new-tokens 64 --dtype int8 > "$OUT/llm-int8-jdk17-scalar.json" \
    2>/dev/null
for m in F32 Q8 Q4; do
  timeout 900 "$J25" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -cp "$OUT/jlama/classes:$OUT/jlama/lib/*" JlamaBench /tmp/q05 512 64 1 $m > "$OUT/jlama-$m.txt" 2>&1
done
for d in fp32 int8; do
  "$J25" --add-modules jdk.incubator.vector -Xmx8g -jar $JAR bench memory --model /tmp/q05b --tokens 2048 \
      --generate 16 --device cpu --dtype $d --json > "$OUT/memory-$d.json" 2>/dev/null
done
uptime > "$OUT/load-end.txt"
