#!/usr/bin/env bash
# Renders the offline speech pipeline's phrase book: each phrase spoken by espeak-ng, as 8 kHz mono µ-law (Twilio's Media
# Streams format), trimmed of silence at both ends. The files are committed; rerun only to add a phrase
# (needs Debian's espeak-ng and sox). The offline recogniser matches these exact recordings, so a changed file is a new phrase.
set -euo pipefail
out="$(dirname "$0")/../src/Voice.Worker/Streams/Offline/Phrases"
mkdir -p "$out"
: > "$out/phrases.tsv"
while IFS='|' read -r file text; do
  espeak-ng -v en-us -s 165 -w "/tmp/aventora-phrase-$$.wav" "$text"
  sox "/tmp/aventora-phrase-$$.wav" -r 8000 -c 1 -e mu-law -t raw "$out/$file.ulaw" \
    silence 1 0.02 1% reverse silence 1 0.02 1% reverse
  printf '%s.ulaw\t%s\n' "$file" "$text" >> "$out/phrases.tsv"
done <<'PHRASES'
yes-please|yes please
no-thanks|no thanks
who-is-this|hmm, who is this?
goodbye|goodbye
PHRASES
rm -f "/tmp/aventora-phrase-$$.wav"
