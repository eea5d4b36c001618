#pragma once
// JobRepository over either backend: jobs (the detections table), their images and the
// objects found in them (detection_results), the outbox. Its calls live in three files:
// job_repository.cpp (create, reads, history), job_progress.cpp (start, images, the end of a
// job), job_recovery.cpp (what the reconciler asks).
#include <map>
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlJobRepository final : public JobRepository {
 public:
  SqlJobRepository(Pool& pool, Dialect dialect);

  Result<JobWithImages> create(const Job& job, const std::vector<JobImage>& images,
                               const QueueEntry& entry) override;
  std::optional<Job> find(const std::string& id) override;
  std::optional<Job> find_for_user(const std::string& id, const std::string& user_id) override;
  std::vector<JobImage> images(const std::string& job_id) override;
  std::optional<OwnedImage> image(const std::string& image_id) override;
  std::vector<FoundObject> objects(const std::string& job_id) override;
  std::vector<FoundObject> image_objects(const std::string& image_id) override;
  HistoryPage history(const std::string& user_id, const HistoryFilter& filter, int limit,
                      int offset) override;
  Result<std::vector<FailedJob>> recent_failures(int limit) override;
  UserStats stats(const std::string& user_id, std::int64_t from_ms, std::int64_t to_ms) override;
  Result<PeriodFigures> period(const std::string& user_id, std::int64_t from_ms,
                               std::int64_t to_ms) override;
  Result<std::optional<std::int64_t>> start(const std::string& id, std::int64_t now_ms) override;
  Result<Saved> save_image(const ImageOutcome& outcome, std::int64_t fence) override;
  Result<bool> finish(const std::string& id, std::int64_t fence, JobStatus status,
                      const std::optional<std::string>& error, std::int64_t now_ms) override;
  Result<bool> fail(const std::string& id, const std::string& error, std::int64_t now_ms) override;
  Result<JobStatus> cancel(const std::string& id, std::int64_t now_ms) override;
  Result<bool> remove(const std::string& id) override;
  std::int64_t in_flight_for_user(const std::string& user_id) override;
  Result<std::vector<UnfinishedJob>> unfinished(std::int64_t updated_before_ms, int limit) override;
  Result<std::vector<std::string>> outbox(std::int64_t created_before_ms, int limit) override;
  Result<void> outbox_done(const std::string& id) override;
  Result<std::vector<ExpiredImage>> expired_images(std::int64_t ended_before_ms, bool annotated,
                                                   int limit) override;
  Result<void> mark_files_deleted(const std::string& image_id, bool annotated,
                                  std::int64_t now_ms) override;

 private:
  QueryResult run(const std::string& sql, const Params& params);
  Result<void> insert_objects(Connection& conn, const std::vector<FoundObject>& objects,
                              const std::string& job_id, const std::string& image_id);
  Result<void> insert_queue_entry(Connection& conn, const std::string& job_id,
                                  const QueueEntry& entry, std::int64_t now_ms);

  Pool& pool_;
  Dialect dialect_;
  std::string job_columns_;  // for read_job, qualified with "d."
  std::string insert_job_;
  std::string insert_image_;
  std::string insert_queue_row_;
  std::string insert_outbox_;
  std::string select_job_;
  std::string select_for_user_;
  std::string select_images_;
  std::string select_image_;
  std::string select_objects_;
  std::string select_image_objects_;
  std::string start_;
  std::string mark_image_;
  std::string bump_processed_;
  std::string finish_;
  std::string fail_;
  std::string select_status_for_update_;
  std::string cancel_;
  std::string select_unfinished_;
  std::string select_outbox_;
};

}  // namespace ov::storage::sql
