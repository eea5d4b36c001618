#include "config/config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace ov::config {
namespace {

Result<Config> load_from(std::initializer_list<std::pair<const std::string, std::string>> vars) {
  return load(Vars(vars));
}

TEST(Config, DefaultsAreTheEmbeddedShape) {
  auto c = load_from({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 8000);
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->database_url, "sqlite://./data/objectvision.db");
  EXPECT_FALSE(c->scaled());
  EXPECT_EQ(c->jwt_algorithm, "HS256");
  EXPECT_EQ(c->access_token_expire_minutes, 15);
  EXPECT_EQ(c->max_body_bytes(), 10u * 1024 * 1024);
  // A job per core, and runs that overlap share the cores (one each) rather than each taking all.
  EXPECT_EQ(c->worker_concurrency,
            static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_TRUE(c->inference_adaptive_threads);
  auto set = load_from({{"WORKER_CONCURRENCY", "3"}, {"INFERENCE_ADAPTIVE_THREADS", "false"}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->worker_concurrency, 3);
  EXPECT_FALSE(set->inference_adaptive_threads);
  auto limited = load_from({{"INFERENCE_THREADS", "2"}});  // a container's CPU limit
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->worker_concurrency, 2);
}

TEST(Config, InvalidValuesNameTheVariable) {
  struct Case {
    std::string name, value;
  };
  for (const auto& [name, value] : std::vector<Case>{{"PORT", "abc"},
                                                     {"PORT", "70000"},
                                                     {"ACCESS_TOKEN_EXPIRE_MINUTES", "-1"},
                                                     {"LOG_FORMAT", "xml"},
                                                     {"CONFIDENCE_THRESHOLD", "1.5"},
                                                     {"MAX_UPLOAD_MB", "ten"},
                                                     {"JWT_ALGORITHM", "RS256"},
                                                     {"JWT_ALGORITHM", "none"},
                                                     {"DATABASE_URL", "mysql://x"},
                                                     {"REDIS_URL", "http://x"},
                                                     {"INFERENCE_NICE", "20"},
                                                     {"INFERENCE_ADAPTIVE_THREADS", "on"},
                                                     {"WORKER_CONCURRENCY", "-1"},
                                                     {"INFERENCE_WARM_UP_RUNS", "21"},
                                                     {"DEEPSTACK_ANONYMOUS", "yes"},
                                                     {"DEEPSTACK_MAX_PREDICTIONS", "-1"},
                                                     {"DEEPSTACK_DUPLICATE_WINDOW_MS", "x"},
                                                     {"MODEL_ALIASES", "ipcam-general"},
                                                     {"MODEL_ALIASES", "=yolov8n"},
                                                     {"MODEL_ALIASES", "a b=yolov8n"},
                                                     {"MODEL_ALIASES", "ipcam=yolo/v8"},
                                                     {"S3_ADDRESSING_STYLE", "dns"},
                                                     {"S3_ATTEMPTS", "0"},
                                                     {"S3_TIMEOUT_SECONDS", "x"},
                                                     {"S3_PRESIGN_SECONDS", "604801"}}) {
    auto c = load(Vars{{name, value}});
    ASSERT_FALSE(c.ok()) << name << "=" << value;
    EXPECT_EQ(c.error().code, Errc::invalid_argument);
    EXPECT_NE(c.error().message.find(name), std::string::npos) << c.error().message;
  }
}

TEST(Config, DeepstackSettingsAndModelAliases) {
  auto defaults = load_from({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->deepstack_anonymous);
  EXPECT_EQ(defaults->deepstack_max_predictions, 20) << "Frigate's fixed array holds 20";
  EXPECT_EQ(defaults->deepstack_duplicate_window_ms, 2000);
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(defaults->model_aliases, (Pairs{{"ipcam-general", "*"}, {"ipcam-combined", "*"}}));
  auto c = load_from({{"DEEPSTACK_ANONYMOUS", "true"},
                      {"DEEPSTACK_MAX_PREDICTIONS", "0"},
                      {"MODEL_ALIASES", " ipcam-dark = yolov8n , license-plate=*"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->deepstack_anonymous);
  EXPECT_EQ(c->deepstack_max_predictions, 0);
  EXPECT_EQ(c->model_aliases, (Pairs{{"ipcam-dark", "yolov8n"}, {"license-plate", "*"}}));
  auto none = load_from({{"MODEL_ALIASES", ""}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->model_aliases.empty());
}

TEST(Config, ProductionRequiresASecret) {
  auto c = load_from({{"ENVIRONMENT", "production"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("JWT_SECRET_KEY"), std::string::npos);
  EXPECT_TRUE(load_from({{"ENVIRONMENT", "production"},
                         {"JWT_SECRET_KEY", "0123456789abcdef0123456789abcdef"}})
                  .ok());
}

TEST(Config, DbPartsBecomeAnEncodedUri) {
  auto c = load_from({{"DB_HOST", "db.local"},
                      {"DB_USER", "ov"},
                      {"DB_PASSWORD", "p@ss:w/rd"},
                      {"DB_NAME", "objectvision"},
                      {"DB_PORT", "5433"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->database_url, "postgresql://ov:p%40ss%3Aw%2Frd@db.local:5433/objectvision");
  auto r = load_from({{"REDIS_HOST", "cache"}, {"REDIS_PORT", "6380"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->redis_url, "redis://cache:6380");
  EXPECT_TRUE(r->scaled());
}

TEST(Config, CorsOriginsAreAList) {
  auto c = load_from({{"CORS_ORIGINS", " http://a.test, https://b.test/ ,,"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->cors_origins, (std::vector<std::string>{"http://a.test", "https://b.test"}));
}

TEST(Config, DotenvParsing) {
  auto v = parse_dotenv(
      "# comment\nexport PORT=9000\nNAME=\"quoted # not a comment\"\nRAW='single'\n"
      "TRAIL=value # comment\nEMPTY=\n  SPACED = yes \nnot a line\n");
  EXPECT_EQ(v["PORT"], "9000");
  EXPECT_EQ(v["NAME"], "quoted # not a comment");
  EXPECT_EQ(v["RAW"], "single");
  EXPECT_EQ(v["TRAIL"], "value");
  EXPECT_EQ(v["EMPTY"], "");
  EXPECT_EQ(v["SPACED"], "yes");
  EXPECT_EQ(v.count("not a line"), 0u);
}

TEST(Config, EnvironmentOverridesFilesAndEnvironmentFileOverridesDotenv) {
  auto dir = std::filesystem::temp_directory_path() / ("ovcfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ".env") << "PORT=1111\nHOST=10.0.0.1\nENVIRONMENT=test\nLOG_LEVEL=debug\n";
  std::ofstream(dir / ".env.test") << "PORT=2222\n";
  std::string env_host = "HOST=127.0.0.1";
  char* environ_vars[] = {env_host.data(), nullptr};
  auto vars = read_vars(dir.string(), environ_vars);
  EXPECT_EQ(vars["PORT"], "2222");
  EXPECT_EQ(vars["HOST"], "127.0.0.1");
  EXPECT_EQ(vars["LOG_LEVEL"], "debug");
  std::filesystem::remove_all(dir);
}

TEST(Config, GeneratedSecretIsPrivateAndStable) {
  auto dir = std::filesystem::temp_directory_path() / ("ovsec-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto c = load_from({{"DATA_DIR", dir.string()}});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(ensure_jwt_secret(*c).ok());
  EXPECT_GE(c->jwt_secret_key.size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "jwt_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_from({{"DATA_DIR", dir.string()}});
  ASSERT_TRUE(ensure_jwt_secret(*again).ok());
  EXPECT_EQ(again->jwt_secret_key, c->jwt_secret_key);
  std::filesystem::remove_all(dir);
}

TEST(Config, DescribeMasksSecrets) {
  auto c = load_from({{"JWT_SECRET_KEY", "supersecretvalue-long-enough"},
                      {"DATABASE_URL", "postgresql://ov:hunter2@db:5432/ov"},
                      {"BREVO_API_KEY", "xkeysib-123"}});
  ASSERT_TRUE(c.ok());
  std::string all;
  for (const auto& [k, v] : describe(*c)) all += k + "=" + v + "\n";
  EXPECT_EQ(all.find("supersecretvalue"), std::string::npos);
  EXPECT_EQ(all.find("hunter2"), std::string::npos);
  EXPECT_EQ(all.find("xkeysib"), std::string::npos);
  EXPECT_NE(all.find("DATABASE_URL=postgresql://ov:****@db:5432/ov"), std::string::npos);
}

TEST(Config, FilesAreUnderDataDirUnlessStorageUrlSaysOtherwise) {
  auto defaults = load_from({{"DATA_DIR", "/srv/ov"}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->storage_url, "file:///srv/ov/files");
  EXPECT_EQ(defaults->files_dir, "/srv/ov/files");
  EXPECT_FALSE(defaults->object_storage());
  auto elsewhere = load_from({{"STORAGE_URL", "file:///mnt/shared"}});
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->files_dir, "/mnt/shared");
}

TEST(Config, AnS3StoreIsConfiguredTheWayAwsToolsAre) {
  auto aws = load_from({{"STORAGE_URL", "s3://ov-files/prod"},
                        {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                        {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"},
                        {"AWS_DEFAULT_REGION", "us-west-2"},
                        {"AWS_REGION", "eu-west-1"}});
  ASSERT_TRUE(aws.ok()) << aws.error().message;
  EXPECT_TRUE(aws->object_storage());
  EXPECT_EQ(aws->s3_bucket, "ov-files");
  EXPECT_EQ(aws->s3_prefix, "prod/");
  EXPECT_EQ(aws->s3_region, "eu-west-1");  // AWS_REGION wins over AWS_DEFAULT_REGION
  EXPECT_EQ(aws->s3_endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws->s3_addressing_style, "virtual");

  auto minio = load_from({{"STORAGE_URL", "s3://ov-files"},
                          {"AWS_ACCESS_KEY_ID", "minio"},
                          {"AWS_SECRET_ACCESS_KEY", "minio-secret"},
                          {"AWS_ENDPOINT_URL", "http://other:1"},
                          {"AWS_ENDPOINT_URL_S3", "http://minio:9000"}});
  ASSERT_TRUE(minio.ok()) << minio.error().message;
  EXPECT_EQ(minio->s3_endpoint, "http://minio:9000");  // the S3 one wins
  EXPECT_EQ(minio->s3_prefix, "");
  EXPECT_EQ(minio->s3_addressing_style, "path");
  std::string all;
  for (const auto& [k, v] : describe(*minio)) all += k + "=" + v + "\n";
  EXPECT_EQ(all.find("minio-secret"), std::string::npos);
  EXPECT_NE(all.find("STORAGE_URL=s3://ov-files\n"), std::string::npos) << all;

  struct Case {
    std::string url, variable;
  };
  const std::vector<Case> bad{{"s3://", "STORAGE_URL"},
                              {"s3://Upper", "STORAGE_URL"},
                              {"s3://ab", "STORAGE_URL"},
                              {"s3://b-/x", "STORAGE_URL"},
                              {"s3://bucket/../x", "STORAGE_URL"},
                              {"gs://bucket", "STORAGE_URL"},
                              {"file://", "STORAGE_URL"},
                              {"/srv/files", "STORAGE_URL"}};
  for (const auto& [url, variable] : bad) {
    auto c = load_from(
        {{"STORAGE_URL", url}, {"AWS_ACCESS_KEY_ID", "k"}, {"AWS_SECRET_ACCESS_KEY", "s"}});
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_NE(c.error().message.find(variable), std::string::npos) << c.error().message;
  }
  auto no_keys = load_from({{"STORAGE_URL", "s3://bucket"}});
  ASSERT_FALSE(no_keys.ok());
  EXPECT_NE(no_keys.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto bad_endpoint = load_from({{"STORAGE_URL", "s3://bucket"},
                                 {"AWS_ACCESS_KEY_ID", "k"},
                                 {"AWS_SECRET_ACCESS_KEY", "s"},
                                 {"AWS_ENDPOINT_URL_S3", "minio:9000"}});
  ASSERT_FALSE(bad_endpoint.ok());
  EXPECT_NE(bad_endpoint.error().message.find("AWS_ENDPOINT_URL_S3"), std::string::npos);
}

TEST(Config, TracingIsOffUntilAnEndpointIsGiven) {
  auto c = load_from({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->otel_traces_endpoint, "");
  EXPECT_EQ(c->otel_service_name, "objectvision");
  EXPECT_EQ(c->otel_sampler, "parentbased_always_on");
}

TEST(Config, TheOtlpBaseEndpointGetsTheTracesPathAndTheSignalsEndpointIsUsedAsItIs) {
  auto base = load_from({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}});
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->otel_traces_endpoint, "http://collector:4318/v1/traces");
  auto own = load_from({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://x.example/otlp/spans"}});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->otel_traces_endpoint, "https://x.example/otlp/spans");
  for (auto off : {std::pair<std::string, std::string>{"OTEL_SDK_DISABLED", "true"},
                   std::pair<std::string, std::string>{"OTEL_TRACES_EXPORTER", "none"}}) {
    auto c = load_from({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"}, off});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->otel_traces_endpoint, "") << off.first;
  }
}

TEST(Config, OtelListsArePercentDecodedPairs) {
  auto c =
      load_from({{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-tenant=7"},
                 {"OTEL_RESOURCE_ATTRIBUTES", "service.name=cams,deployment.environment=prod"}});
  ASSERT_TRUE(c.ok());
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c->otel_headers, (Pairs{{"api-key", "a b"}, {"x-tenant", "7"}}));
  EXPECT_EQ(c->otel_resource_attributes,
            (Pairs{{"service.name", "cams"}, {"deployment.environment", "prod"}}));
  EXPECT_EQ(c->otel_service_name, "cams") << "from the resource when OTEL_SERVICE_NAME is unset";
  auto named =
      load_from({{"OTEL_SERVICE_NAME", "api"}, {"OTEL_RESOURCE_ATTRIBUTES", "service.name=cams"}});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->otel_service_name, "api") << "OTEL_SERVICE_NAME wins";
  auto all = describe(*c);
  for (const auto& [name, value] : all) {
    if (name == "OTEL_EXPORTER_OTLP_HEADERS") {
      EXPECT_EQ(value, "api-key=****,x-tenant=****");
    }
  }
}

TEST(Config, BadTracingSettingsNameTheVariable) {
  for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"},
           {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
           {"OTEL_TRACES_EXPORTER", "zipkin"},
           {"OTEL_TRACES_SAMPLER", "sometimes"},
           {"OTEL_EXPORTER_OTLP_HEADERS", "=novalue"},
           {"OTEL_EXPORTER_OTLP_HEADERS", "a=%zz"},
           {"OTEL_RESOURCE_ATTRIBUTES", "justakey"},
           {"OTEL_BSP_MAX_QUEUE_SIZE", "0"}}) {
    auto c = load_from({{name, value}});
    ASSERT_FALSE(c.ok()) << name << "=" << value;
    EXPECT_NE(c.error().message.find(name.substr(0, 19)), std::string::npos) << c.error().message;
  }
  auto ratio =
      load_from({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "2"}});
  EXPECT_FALSE(ratio.ok());
}

}  // namespace
}  // namespace ov::config
