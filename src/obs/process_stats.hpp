#pragma once
// Internal to ov_obs: the standard process_* metrics of Prometheus clients, read from /proc at
// scrape time (memory, CPU, open files, threads, start time).
namespace ov::obs {
class Exposition;
void write_process_metrics(Exposition& out);
}  // namespace ov::obs
