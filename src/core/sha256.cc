#include "core/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <fstream>

#include "core/error.h"

namespace nnd {

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
  bool finished = false;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  NND_CHECK(state_->context != nullptr, "EVP_MD_CTX_new failed");
  NND_CHECK(EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) == 1,
            "EVP_DigestInit_ex(sha256) failed");
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->context); }

Sha256& Sha256::update(std::span<const std::byte> bytes) {
  NND_CHECK(!state_->finished, "update after hex_digest");
  NND_CHECK(EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()) == 1,
            "EVP_DigestUpdate failed");
  return *this;
}

Sha256& Sha256::update(std::string_view text) {
  return update(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

std::string Sha256::hex_digest() {
  NND_CHECK(!state_->finished, "hex_digest called twice");
  state_->finished = true;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  NND_CHECK(EVP_DigestFinal_ex(state_->context, digest.data(), &length) == 1,
            "EVP_DigestFinal_ex failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) { return Sha256().update(bytes).hex_digest(); }

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open file", path);
  Sha256 hash;
  std::array<char, 1 << 16> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    hash.update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) fail("{}: read error", path);
  return hash.hex_digest();
}

}  // namespace nnd
