#!/bin/sh
# Build the Autobahn|C++ interop client (packages/interop/cpp/autobahn_cpp_client.cpp).
#
# Needs the Debian/Ubuntu package autobahn-cpp-dev (headers; it pulls in
# Boost, msgpack-c and websocketpp) and g++:
#   apt-get install -y --no-install-recommends autobahn-cpp-dev g++
#
# Usage: packages/interop/cpp/build.sh [OUTPUT]   (default: packages/interop/cpp/autobahn_cpp_client)
# Then:  OUTPUT 127.0.0.1 PORT   against a router with a RawSocket listener
#        (msgpack) on PORT, realm1 open to anonymous, and com.example.add
#        registered (see packages/interop/test/autobahn-cpp.test.ts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/autobahn_cpp_client"}
if [ ! -f /usr/include/autobahn/autobahn.hpp ]; then
  echo "autobahn-cpp-dev is not installed (no /usr/include/autobahn/autobahn.hpp)" >&2
  exit 3
fi
# The packaged Autobahn|C++ (17.5.1) uses msgpack-c's v1 API.
exec g++ -std=c++14 -O0 -DMSGPACK_DEFAULT_API_VERSION=1 "$here/autobahn_cpp_client.cpp" -o "$out" \
  -lboost_system -lboost_thread -lpthread -lssl -lcrypto
