#pragma once
// DetectionRepository over either backend: detections, their images and results.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlDetectionRepository final : public DetectionRepository {
 public:
  SqlDetectionRepository(Pool& pool, Dialect dialect);

  Result<DetectionWithImages> create(const Detection& detection,
                                     const std::vector<DetectionImage>& images) override;
  std::optional<Detection> find(const std::string& id) override;
  std::optional<Detection> find_for_user(const std::string& id,
                                         const std::string& user_id) override;
  std::vector<DetectionImage> images(const std::string& detection_id) override;
  std::optional<OwnedImage> image(const std::string& image_id) override;
  std::vector<DetectionResult> results(const std::string& detection_id) override;
  HistoryPage history(const std::string& user_id, std::optional<DetectionStatus> status, int limit,
                      int offset) override;
  Result<bool> mark_processing(const std::string& id, std::int64_t started_at_ms) override;
  Result<bool> save_image_result(const ImageOutcome& outcome) override;
  Result<bool> finish(const std::string& id, DetectionStatus status,
                      const std::optional<std::string>& error,
                      std::int64_t finished_at_ms) override;
  Result<DetectionStatus> cancel(const std::string& id, std::int64_t now_ms) override;
  Result<bool> remove(const std::string& id) override;
  std::int64_t in_flight_for_user(const std::string& user_id) override;

 private:
  QueryResult run(const std::string& sql, const Params& params);
  Result<void> insert_results(Connection& conn, const std::vector<DetectionResult>& results,
                              const std::string& detection_id, const std::string& image_id);
  std::map<std::string, HistoryItem*> index_page(HistoryPage& page);

  Pool& pool_;
  Dialect dialect_;
  std::string detection_columns_;  // for read_detection, qualified with "d."
  std::string image_columns_;      // for read_image, qualified with "i."
  std::string insert_detection_;
  std::string insert_image_;
  std::string select_detection_;
  std::string select_for_user_;
  std::string select_images_;
  std::string select_image_;
  std::string select_results_;
  std::string mark_processing_;
  std::string mark_image_;
  std::string bump_processed_;
  std::string finish_;
  std::string select_status_for_update_;
  std::string cancel_;
};

}  // namespace ov::storage::sql
