#include "events/user_channels.hpp"

#include <utility>

#include "events/handler_set.hpp"

namespace ov::events {

UserChannels::UserChannels() : handlers_(std::make_shared<detail::HandlerSet>()) {}

UserChannels::~UserChannels() = default;

std::unique_ptr<Subscription> UserChannels::subscribe(const std::string& user_id, Handler handler) {
  return handlers_->add(user_id, std::move(handler));
}

void UserChannels::deliver(const Event& event) {
  handlers_->deliver(event.user_id, event);
}

std::unique_ptr<Subscription> UserChannels::attach(Bus& bus) {
  std::weak_ptr<detail::HandlerSet> weak = handlers_;
  return bus.subscribe([weak](const Event& event) {
    if (auto handlers = weak.lock()) handlers->deliver(event.user_id, event);
  });
}

std::size_t UserChannels::subscribers(const std::string& user_id) const {
  return handlers_->count(user_id);
}

}  // namespace ov::events
