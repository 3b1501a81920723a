// Typed errors thrown by library code. Only the launcher catches them: it logs the message with
// rank and host, prints the hint, and aborts the whole MPI world so no rank waits on a dead peer.
// Errors gain context on their way up ("loading shard 17: ..."), keeping their type.
#pragma once

#include <exception>
#include <string>
#include <utility>

namespace genvec {

class Error : public std::exception {
 public:
  explicit Error(std::string message, std::string hint = {})
      : message_(std::move(message)), hint_(std::move(hint)) {}

  const char* what() const noexcept override { return message_.c_str(); }
  // The likely fix, shown to the user as a "---> HINT:" line; may be empty.
  const std::string& hint() const noexcept { return hint_; }
  // Prefix the message with what the caller was doing: "context: message".
  void add_context(const std::string& context) { message_ = context + ": " + message_; }

 private:
  std::string message_;
  std::string hint_;
};

// Bad config file, key, value or command line.
class ConfigError : public Error {
  using Error::Error;
};
// A file that cannot be read or written, or whose content is malformed.
class IoError : public Error {
  using Error::Error;
};
// MPI/NCCL/CUDA failures and collective time-outs.
class DistError : public Error {
  using Error::Error;
};
// A command or feature that this build does not have (not built yet, or built without it).
class NotAvailableError : public Error {
  using Error::Error;
};

// Runs fn(); a genvec::Error escaping it gets `context` prepended and is rethrown as-is.
template <class Fn>
decltype(auto) with_context(const std::string& context, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (Error& e) {
    e.add_context(context);
    throw;
  }
}

}  // namespace genvec
