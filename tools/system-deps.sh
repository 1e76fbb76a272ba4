#!/usr/bin/env bash
# Make sure the system packages a build (`build`) or the test suite (`test`) needs are here.
# Missing ones are installed with apt-get (and npm for DAISY Ace) when running as root; otherwise the script
# stops with one line naming the exact command to run. Cheap when everything is present, so make calls it each time.
set -euo pipefail
what="${1:-build}"

# command or file to look for → Debian package that provides it
declare -A needs=(
  [/usr/share/doc/python3-venv]=python3-venv
  [/usr/share/doc/libpango-1.0-0]=libpango-1.0-0
  [/usr/share/doc/libpangoft2-1.0-0]=libpangoft2-1.0-0
  [/usr/share/doc/libharfbuzz-subset0]=libharfbuzz-subset0
  [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]=fonts-noto-cjk
  [/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf]=fonts-noto-core
)
if [[ "$what" == test ]]; then
  needs+=(
    [pdftotext]=poppler-utils [pdffonts]=poppler-utils [pdftoppm]=poppler-utils
    [qpdf]=qpdf [java]=default-jre-headless [javac]=default-jdk-headless [/usr/bin/epubcheck]=epubcheck [pandoc]=pandoc
    [gs]=ghostscript [mutool]=mupdf-tools [chromium]=chromium [zbarimg]=zbar-tools
    [node]=nodejs [npm]=npm
  )
fi

missing=()
for thing in "${!needs[@]}"; do
  if [[ "$thing" == /* ]]; then [[ -e "$thing" ]] && continue; else command -v "$thing" >/dev/null 2>&1 && continue; fi
  missing+=("${needs[$thing]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')

if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing system packages; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

# DAISY Ace, the EPUB accessibility checker, comes from npm and drives Debian's chromium.
if [[ "$what" == test ]] && ! command -v ace-puppeteer >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]]; then
    echo "installing DAISY Ace (npm @daisy/ace)"
    ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm install -g --silent @daisy/ace@1.4.6 >/dev/null
  else
    echo "missing DAISY Ace; run: sudo env ELECTRON_SKIP_BINARY_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @daisy/ace@1.4.6" >&2
    exit 1
  fi
fi
