# Debian packages the project needs, by purpose. Sourced by scripts/setup.
# Build: compiler, autotools, and the libraries configure looks for. libsrt is
# the GnuTLS flavour, the one Debian's libavformat loads (see configure.ac).
DEPS_BUILD="build-essential autoconf automake autoconf-archive pkg-config
 libavformat-dev libavcodec-dev libavutil-dev libmicrohttpd-dev libssl-dev
 libsqlite3-dev libcurl4-openssl-dev libgnutls28-dev libsrt-gnutls-dev"
# Run and test: ffmpeg/ffprobe are the broadcaster and the player in tests and
# in the demo; curl and sqlite3 are used by the integration tests; clang and
# its runtime give libFuzzer and the sanitizers; librtmp (the library OBS is
# built on) drives an OBS-like test publisher. bird2 is the router cdn-announce
# talks BGP to in tests/integration/announce_bgp.sh, whose helpers
# (tests/tools/*.py) need python3. openssl (the command) makes the test CAs
# and certificates of tests/integration/origin_rtmps.sh and https.sh.
DEPS_TEST="librtmp-dev ffmpeg curl sqlite3 clang libclang-rt-14-dev procps iproute2 bird2 python3
 openssl"
# Browser tests (tests/browser/): Debian's chromium, driven by npm's
# playwright-core. hls.js and playwright-core come from the npm registry
# (www/package.json, locked); node and npm come with the machine's nodejs, or
# from Debian's nodejs and npm when there is no npm at all (see scripts/setup).
# libnss3-tools (certutil) puts a test CA in a test browser's store.
DEPS_TEST="$DEPS_TEST chromium fonts-dejavu-core libnss3-tools"
DEPS_NPM="nodejs npm"
