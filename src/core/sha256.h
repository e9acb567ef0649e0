#pragma once
// SHA-256 digests (OpenSSL EVP), as lowercase hex: checksums of zoo models, and keys of the result
// store and of cached artifacts.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace nnd {

// Incremental hashing: feed bytes in pieces, then take the digest once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(std::span<const std::byte> bytes);
  Sha256& update(std::string_view text);
  // The digest of everything fed so far, as 64 lowercase hex digits. Ends the hashing: a second
  // call or a later update is an internal error.
  std::string hex_digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256_hex(std::string_view bytes);
// The digest of a file's contents; a file that cannot be read is a UserError naming it.
std::string sha256_file(const std::string& path);

}  // namespace nnd
