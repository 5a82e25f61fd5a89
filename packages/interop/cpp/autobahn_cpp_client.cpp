// A tiny Autobahn|C++ client for the interop test: joins realm1 over
// RawSocket + MessagePack with the library's unmodified HELLO (it sends
// `authmethods: []` and `authid: ""`), subscribes to com.example.topic,
// calls com.example.add(2, 3), waits for the EVENT, leaves. It prints one
// line per step (JOINED, SUBSCRIBED, RESULT, EVENT, LEFT) and exits 0, or
// prints ERROR and exits 1.
//
// The Debian/Ubuntu package (17.5.1) is written against msgpack-c's v1 API;
// newer msgpack-c defaults to v2, hence MSGPACK_DEFAULT_API_VERSION=1.
//
// Build: g++ -std=c++14 -O0 -DMSGPACK_DEFAULT_API_VERSION=1 autobahn_cpp_client.cpp -o autobahn_cpp_client \
//          -lboost_system -lboost_thread -lpthread -lssl -lcrypto
// Run:   ./autobahn_cpp_client 127.0.0.1 PORT

#include <autobahn/autobahn.hpp>
#include <boost/asio.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: autobahn_cpp_client HOST PORT" << std::endl;
    return 2;
  }
  const std::string host = argv[1];
  const auto port = static_cast<unsigned short>(std::atoi(argv[2]));
  const bool debug = std::getenv("AUTOBAHN_DEBUG") != nullptr;
  int status = 1;
  try {
    boost::asio::io_service io;
    boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address::from_string(host), port);
    auto transport = std::make_shared<autobahn::wamp_tcp_transport>(io, endpoint, debug);
    auto session = std::make_shared<autobahn::wamp_session>(io, debug);
    transport->attach(std::static_pointer_cast<autobahn::wamp_transport_handler>(session));

    bool got_result = false;
    bool got_event = false;
    auto fail = [&](const std::string& what) {
      std::cout << "ERROR " << what << std::endl;
      io.stop();
    };
    auto finish = [&]() {
      if (!(got_result && got_event)) return;
      session->leave().then([&](boost::future<std::string> reason) {
        try {
          std::cout << "LEFT " << reason.get() << std::endl;
          status = 0;
        } catch (const std::exception& e) {
          std::cout << "ERROR leave: " << e.what() << std::endl;
        }
        transport->disconnect();
        io.stop();
      });
    };

    boost::future<void> connected, started, joined, subscribed, called;

    connected = transport->connect().then([&](boost::future<void> c) {
      try {
        c.get();
      } catch (const std::exception& e) {
        return fail(std::string("connect: ") + e.what());
      }
      started = session->start().then([&](boost::future<void> s) {
        try {
          s.get();
        } catch (const std::exception& e) {
          return fail(std::string("start: ") + e.what());
        }
        joined = session->join("realm1").then([&](boost::future<uint64_t> j) {
          try {
            std::cout << "JOINED " << j.get() << std::endl;
          } catch (const std::exception& e) {
            return fail(std::string("join: ") + e.what());
          }
          auto on_event = [&](const autobahn::wamp_event& event) {
            std::cout << "EVENT " << event.argument<uint64_t>(0) << std::endl;
            got_event = true;
            finish();
          };
          subscribed = session->subscribe("com.example.topic", on_event).then([&](boost::future<autobahn::wamp_subscription> sub) {
            try {
              sub.get();
              std::cout << "SUBSCRIBED" << std::endl;
            } catch (const std::exception& e) {
              return fail(std::string("subscribe: ") + e.what());
            }
            called = session->call("com.example.add", std::make_tuple(2, 3)).then([&](boost::future<autobahn::wamp_call_result> r) {
              try {
                std::cout << "RESULT " << r.get().argument<uint64_t>(0) << std::endl;
              } catch (const std::exception& e) {
                return fail(std::string("call: ") + e.what());
              }
              got_result = true;
              finish();
            });
          });
        });
      });
    });
    boost::asio::deadline_timer guard(io, boost::posix_time::seconds(10));
    guard.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) fail("timed out");
    });
    io.run();
  } catch (const std::exception& e) {
    std::cout << "ERROR " << e.what() << std::endl;
  }
  return status;
}
