#pragma once
// The scheduled tasks of the service (the old Celery beat), for the scheduler that `serve` runs
// (unless SCHEDULER=off) and `objectvision scheduler`: each due time runs once across nodes.
#include <vector>

#include "config/config.hpp"
#include "core/error.hpp"
#include "schedule/scheduler.hpp"

namespace ov::app {

struct Runtime;

// Checks every SCHEDULE_* variable (also for `config check`).
Result<void> check_schedules(const config::Config& config);

// The tasks and their schedules from the configuration; Errc::invalid_argument naming the
// variable whose schedule does not parse.
Result<std::vector<schedule::Task>> scheduled_tasks(Runtime& rt);

// Starts the scheduler of this process with every task (`holder` names the process in the
// listing of runs). Errc::invalid_argument as above.
Result<std::unique_ptr<schedule::Scheduler>> start_scheduler(Runtime& rt,
                                                             const std::string& holder);

}  // namespace ov::app
