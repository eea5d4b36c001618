DROP TABLE IF EXISTS job_queue;
DROP TABLE IF EXISTS detection_results;
DROP TABLE IF EXISTS detection_images;
DROP TABLE IF EXISTS detections;
DROP TABLE IF EXISTS access_blacklist;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS user_settings;
DROP TABLE IF EXISTS users;
