#include "examples/kv/kv_store.h"

#include <nlohmann/json.hpp>

namespace kv {

namespace {

// Wire form of a batch of entries: {"k": [value, version, writer, deleted]}.
std::string Encode(const std::map<std::string, Entry>& entries) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, e] : entries) {
    j[k] = {e.value, e.version, e.writer, e.deleted};
  }
  return j.dump();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Create(swim::Config config) {
  auto store = std::unique_ptr<Store>(new Store());
  config.delegate = store.get();
  auto ml = swim::net::Memberlist::Create(std::move(config));
  if (!ml.ok()) return ml.status();
  store->ml_ = std::move(*ml);
  store->name_ = store->ml_->LocalNode().name;
  return store;
}

Store::~Store() {
  // Stop the loop thread before the delegate (this) goes away.
  if (ml_) ml_->Shutdown();
}

int Store::Set(const std::string& key, const std::string& value) {
  return Publish(key, Entry{value, 0, "", false});
}

int Store::Delete(const std::string& key) {
  return Publish(key, Entry{"", 0, "", true});
}

int Store::Publish(const std::string& key, Entry e) {
  std::string msg;
  {
    std::lock_guard<std::mutex> l(mu_);
    e.version = ++clock_;
    e.writer = name_;
    data_[key] = e;
    msg = Encode({{key, e}});
  }
  int reached = 0;
  for (const swim::Node& n : ml_->Members()) {
    if (n.name == name_) continue;
    if (ml_->SendReliable(n.name, msg).ok()) ++reached;
  }
  return reached;
}

std::optional<std::string> Store::Get(const std::string& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = data_.find(key);
  if (it == data_.end() || it->second.deleted) return std::nullopt;
  return it->second.value;
}

std::map<std::string, std::string> Store::Dump() const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [k, e] : data_) {
    if (!e.deleted) out[k] = e.value;
  }
  return out;
}

void Store::MergeLocked(const std::string& key, const Entry& e) {
  clock_ = std::max(clock_, e.version);
  auto it = data_.find(key);
  if (it == data_.end() || e.version > it->second.version ||
      (e.version == it->second.version && e.writer > it->second.writer)) {
    data_[key] = e;
  }
}

void Store::MergeEncoded(std::string_view buf) {
  // Remote input: anything malformed is ignored, never trusted.
  nlohmann::json j = nlohmann::json::parse(buf, nullptr, false);
  if (!j.is_object()) return;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [k, v] : j.items()) {
    if (!v.is_array() || v.size() != 4 || !v[0].is_string() ||
        !v[1].is_number_unsigned() || !v[2].is_string() || !v[3].is_boolean()) {
      continue;
    }
    MergeLocked(k, Entry{v[0].get<std::string>(), v[1].get<uint64_t>(),
                         v[2].get<std::string>(), v[3].get<bool>()});
  }
}

void Store::NotifyMsg(std::string_view msg) { MergeEncoded(msg); }

std::string Store::LocalState(bool join) {
  std::lock_guard<std::mutex> l(mu_);
  return Encode(data_);
}

void Store::MergeRemoteState(std::string_view buf, bool join) {
  MergeEncoded(buf);
}

}  // namespace kv
