# Debian packages the project needs, by purpose. Sourced by scripts/setup.
# Build: compiler, autotools, and the libraries configure looks for.
DEPS_BUILD="build-essential autoconf automake autoconf-archive pkg-config
 libavformat-dev libavcodec-dev libavutil-dev libmicrohttpd-dev libssl-dev
 libsqlite3-dev libcurl4-openssl-dev"
# Run and test: ffmpeg/ffprobe are the broadcaster and the player in tests and
# in the demo; curl and sqlite3 are used by the integration tests; clang and
# its runtime give libFuzzer and the sanitizers; librtmp (the library OBS is
# built on) drives an OBS-like test publisher. bird2 is the router cdn-announce
# talks BGP to in tests/integration/announce_bgp.sh, whose helpers
# (tests/tools/*.py) need python3. openssl (the command) makes the test CA
# and certificates of tests/integration/origin_rtmps.sh.
DEPS_TEST="librtmp-dev ffmpeg curl sqlite3 clang libclang-rt-14-dev procps iproute2 bird2 python3
 openssl"
