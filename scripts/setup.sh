#!/usr/bin/env bash
# Set-up on a fresh machine: nmap and openssl (Debian packages) when missing, a virtualenv in .venv,
# and a plain (non-editable) install of secaudit (with --dev: and its test tools). Safe to run again.
#   bash scripts/setup.sh         what a user needs (light)
#   bash scripts/setup.sh --dev   also the system packages only the test suite uses (real servers)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    *) echo "secaudit setup: unknown option $arg (use --dev)" >&2; exit 2 ;;
  esac
done

need=()
command -v nmap >/dev/null 2>&1 || need+=(nmap)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "$dev" = 1 ]; then
  # Test-only servers and tools, as "command package" pairs: installed only when the command is missing.
  while read -r cmd pkg; do
    [ -n "$cmd" ] || continue
    command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
  done <<'DEV'
faketime faketime
nsd nsd
ldns-signzone ldnsutils
gnutls-serv gnutls-bin
socat socat
soffice libreoffice-calc
pdfinfo poppler-utils
chromium chromium
node nodejs
npm npm
oscap openscap-scanner
DEV
  # Calibri's metric twin: LibreOffice then breaks workbook lines as Excel does (tests/test_print.py).
  fc-list 2>/dev/null | grep -qi carlito || need+=(fonts-crosextra-carlito)
  # The web tests start a real PostgreSQL (tests/web_fixtures.py); Debian keeps initdb off PATH.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "secaudit setup: please install: ${need[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "secaudit setup: cài đặt / installing ${need[*]} (apt-get)" >&2
  echo "secaudit setup: cập nhật danh sách gói / apt-get update" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "$dev" = 1 ]; then
  # Debian 12 SCAP content for the `secaudit host scan` test (tests/test_host_oscap.py): bookworm's
  # ssg-debian 0.1.65 has no Debian 12 data stream, trixie's 0.1.76 has. Fetched through a separate
  # apt list and cache (the system's sources are never touched) and unpacked, not installed.
  ssg=.cache/ssg-debian
  if [ ! -f "$ssg/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml" ]; then
    echo "secaudit setup: tải nội dung SCAP Debian 12 / fetching trixie's ssg-debian into $ssg" >&2
    apt_dir="$PWD/$ssg/apt"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    echo "deb http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
    apt-get -qq "${apt_opts[@]}" update
    (cd "$apt_dir" && apt-get -qq "${apt_opts[@]}" download ssg-debian)
    dpkg-deb -x "$apt_dir"/ssg-debian_*.deb "$ssg"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "secaudit setup: tạo môi trường ảo / creating the virtualenv .venv" >&2
  python3 -m venv .venv
fi
echo "secaudit setup: cài secaudit và thư viện (có thể mất vài phút) / installing secaudit and its libraries (may take a few minutes)" >&2
# The user's set-up installs secaudit alone; --dev adds the test tools (pytest, hypothesis, Playwright…).
spec="."
[ "$dev" = 1 ] && spec=".[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check "$spec"
.venv/bin/secaudit --version >/dev/null
if [ "$dev" = 1 ]; then
  # The interchange formats' real consumers (tests/test_ohdf.py, tests/test_oscal.py), pinned, in .dev/:
  # MITRE's inspecjs (the parser Heimdall and saf use) and Heimdall Lite from npm, and compliance-trestle
  # (NIST's OSCAL models) in a virtualenv of its own: its pins clash with ours (cryptography).
  npm_pkgs="inspecjs@2.12.6 @mitre/heimdall-lite@2.12.6"
  if [ "$(cat .dev/npm/.pinned 2>/dev/null)" != "$npm_pkgs" ]; then
    echo "secaudit setup: npm $npm_pkgs -> .dev/npm" >&2
    mkdir -p .dev/npm
    # shellcheck disable=SC2086
    npm install --prefix .dev/npm --no-audit --no-fund --no-save --loglevel=error $npm_pkgs >/dev/null
    echo "$npm_pkgs" > .dev/npm/.pinned
  fi
  trestle_pin="compliance-trestle==5.2.0"
  if [ "$(cat .dev/trestle/.pinned 2>/dev/null)" != "$trestle_pin" ]; then
    echo "secaudit setup: $trestle_pin -> .dev/trestle (own virtualenv)" >&2
    [ -x .dev/trestle/bin/python ] || python3 -m venv .dev/trestle
    .dev/trestle/bin/python -m pip install -q --disable-pip-version-check "$trestle_pin"
    echo "$trestle_pin" > .dev/trestle/.pinned
  fi
fi
echo "secaudit setup: xong / done. Chạy / run: .venv/bin/secaudit --help (hoặc/or: source .venv/bin/activate; secaudit --help)" >&2
