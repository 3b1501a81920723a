// The config loader and schema: defaults, file and --set precedence, path resolution, and the
// error messages users see for misspelled keys, wrong types, bad ranges and broken TOML.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/config.h"
#include "common/config_schema.h"
#include "common/errors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

Config load(const std::string& text, const std::vector<ConfigOverride>& overrides = {}) {
  return config_load_string(text, "run.toml", "/data/project", overrides);
}

// The message of the ConfigError that loading `text` throws ("" if none is thrown).
std::string load_error(const std::string& text, const std::vector<ConfigOverride>& overrides = {}) {
  try {
    load(text, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsFollowThePaperRecipe) {
  const Config c = load("");
  EXPECT_EQ(c.train.num_tokens, 10);
  EXPECT_EQ(c.train.num_compression_tokens, 10);
  EXPECT_DOUBLE_EQ(c.train.lr, 5e-4);
  EXPECT_EQ(c.train.warmup_steps, 100);
  EXPECT_EQ(c.train.global_batch_size, 32);
  EXPECT_EQ(c.train.max_length, 512);
  EXPECT_DOUBLE_EQ(c.train.grad_clip, 1.0);
  EXPECT_EQ(c.generate.max_prompt_tokens, 1024);
  EXPECT_EQ(c.log.level, "info");
}

TEST(Config, FileValuesOverrideDefaultsAndSetOverridesFile) {
  const Config c = load(
      "[train]\nlr = 3e-4\nmax_steps = 100\n[data]\nfiles = [\"a.jsonl\", \"b.tsv\"]\n"
      "dedup = false\n",
      {{"train.max_steps", "200"}, {"generate.temperature", "0.7"}});
  EXPECT_DOUBLE_EQ(c.train.lr, 3e-4);
  EXPECT_EQ(c.train.max_steps, 200);
  EXPECT_DOUBLE_EQ(c.generate.temperature, 0.7);
  // Query files are paths: relative ones resolve against the config file's folder.
  EXPECT_EQ(c.data.files,
            (std::vector<std::string>{"/data/project/a.jsonl", "/data/project/b.tsv"}));
  EXPECT_FALSE(c.data.dedup);
}

TEST(Config, IntegerIsAcceptedWhereAFloatIsExpected) {
  EXPECT_DOUBLE_EQ(load("[train]\ngrad_clip = 2\n").train.grad_clip, 2.0);
}

TEST(Config, MisspelledKeyNamesFileLineAndClosestKey) {
  const std::string error = load_error("[run]\nseed = 1\n\n[train]\nlrr = 0.1\n");
  EXPECT_NE(error.find("run.toml:5"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean `train.lr`"), std::string::npos) << error;
}

TEST(Config, KeyInTheWrongSectionSuggestsItsSection) {
  const std::string error = load_error("[data]\nwarmup_steps = 5\n");
  EXPECT_NE(error.find("run.toml:2"), std::string::npos) << error;
  EXPECT_NE(error.find("`train.warmup_steps`"), std::string::npos) << error;
}

TEST(Config, UnknownSectionSuggestsClosestSection) {
  const std::string error = load_error("[trian]\nlr = 0.1\n");
  EXPECT_NE(error.find("run.toml:1"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean [train]"), std::string::npos) << error;
}

TEST(Config, TopLevelKeyIsRejectedWithSuggestion) {
  const std::string error = load_error("seed = 3\n");
  EXPECT_NE(error.find("top-level key `seed`"), std::string::npos) << error;
  EXPECT_NE(error.find("`run.seed`"), std::string::npos) << error;
}

TEST(Config, WrongTypeNamesKeyLineAndExpectedType) {
  const std::string error = load_error("[train]\n\nlr = \"fast\"\n");
  EXPECT_NE(error.find("run.toml:3"), std::string::npos) << error;
  EXPECT_NE(error.find("train.lr expects a float, got a string"), std::string::npos) << error;

  const std::string list_error = load_error("[data]\nfiles = \"a.jsonl\"\n");
  EXPECT_NE(list_error.find("data.files expects an array of paths (strings)"), std::string::npos)
      << list_error;
  EXPECT_NE(load_error("[data]\nfiles = [\"a\", 3]\n").find("got an integer"), std::string::npos);
  EXPECT_NE(load_error("[train]\nmax_steps = 1.5\n").find("expects an integer"),
            std::string::npos);
}

TEST(Config, OutOfRangeAndBadChoiceNameTheKeyAndWhatIsAllowed) {
  const std::string range = load_error("[generate]\ntop_p = 1.5\n");
  EXPECT_NE(range.find("generate.top_p = 1.5 is out of range: expected between 0.0 and 1.0"),
            std::string::npos)
      << range;
  const std::string choice = load_error("[dist]\nbackend = \"gloo\"\n");
  EXPECT_NE(choice.find("dist.backend = \"gloo\" is not one of: auto, mpi, nccl"),
            std::string::npos)
      << choice;
  // Each item of a list key with choices is checked, and the bad one named.
  const std::string item = load_error("[eval]\nmodels = [\"teacher\", \"llm_mean\"]\n");
  EXPECT_NE(item.find("eval.models = [\"teacher\", \"llm_mean\"]: \"llm_mean\" is not one of: "
                      "checkpoint, teacher, llm-mean, llm-last"),
            std::string::npos)
      << item;
}

TEST(Config, BrokenTomlNamesTheLine) {
  const std::string error = load_error("[train]\nlr = 0.1\nmax_steps = = 3\n");
  EXPECT_NE(error.find("run.toml:3: invalid TOML"), std::string::npos) << error;
  EXPECT_NE(load_error("[train]\nlr = 1e-3\nlr = 2e-3\n").find("run.toml:3"), std::string::npos);
}

TEST(Config, SetOverridesAreValidatedLikeTheFile) {
  EXPECT_NE(load_error("", {{"train.lrr", "1"}}).find("did you mean `train.lr`"),
            std::string::npos);
  const std::string type = load_error("", {{"train.max_steps", "many"}});
  EXPECT_NE(type.find("--set train.max_steps=many"), std::string::npos) << type;
  EXPECT_NE(type.find("integer"), std::string::npos) << type;
  EXPECT_NE(load_error("", {{"train.lr", "-1"}}).find("out of range"), std::string::npos);
  // On the command line, relative paths resolve against the current folder.
  const std::string cwd = std::filesystem::current_path().string();
  EXPECT_EQ(load("", {{"data.files", "a.jsonl,/abs/b.jsonl"}}).data.files,
            (std::vector<std::string>{cwd + "/a.jsonl", "/abs/b.jsonl"}));
  EXPECT_EQ(load("", {{"data.files", "[\"x y.jsonl\"]"}}).data.files,
            (std::vector<std::string>{cwd + "/x y.jsonl"}));
  EXPECT_EQ(load("", {{"data.text_field", "question"}}).data.text_field, "question");
  EXPECT_TRUE(load("", {{"data.dedup", "true"}}).data.dedup);
}

TEST(Config, CrossKeyRulesAreChecked) {
  EXPECT_NE(load_error("[train]\nnum_tokens = 5\nnum_compression_tokens = 6\n")
                .find("exceeds train.num_tokens"),
            std::string::npos);
  EXPECT_NE(load_error("[train]\nmax_steps = 30000\n").find("train.schedule_steps"),
            std::string::npos);
}

TEST(Config, PathsResolveAgainstTheConfigFolderAndExpandVariables) {
  setenv("GENVEC_HOME", "/opt/genvec-home", 1);
  setenv("GENVEC_TEST_DATA", "/scratch/q", 1);
  const Config c = load(
      "[run]\ndir = \"runs/a\"\n[model]\npath = \"${GENVEC_HOME}/models/m.gguf\"\n"
      "[teacher]\npath = \"${GENVEC_TEST_DATA}/../t\"\n");
  EXPECT_EQ(c.run.dir, "/data/project/runs/a");
  EXPECT_EQ(c.model.path, "/opt/genvec-home/models/m.gguf");
  EXPECT_EQ(c.teacher.path, "/scratch/t");
  EXPECT_EQ(load("").model.path,
            "/opt/genvec-home/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf");
  const std::string error = load_error("[run]\ndir = \"${GENVEC_NOT_SET_ANYWHERE}/x\"\n");
  EXPECT_NE(error.find("GENVEC_NOT_SET_ANYWHERE"), std::string::npos) << error;
  EXPECT_NE(error.find("run.toml:2"), std::string::npos) << error;
  unsetenv("GENVEC_HOME");
  unsetenv("GENVEC_TEST_DATA");
}

TEST(Config, PrintedConfigLoadsBackToTheSameConfig) {
  const Config original = load(
      "[data]\nfiles = [\"q \\\"quoted\\\".jsonl\", \"tab\\tname\"]\n[train]\nlr = 0.1234567890123\n"
      "[generate]\ntemperature = 0.7\ntop_p = 0.95\n");
  const std::string printed = config_to_toml(original);
  const Config reloaded = config_load_string(printed, "printed.toml", "/elsewhere", {});
  EXPECT_EQ(config_to_toml(reloaded), printed);
  EXPECT_EQ(reloaded.data.files, original.data.files);
  EXPECT_EQ(reloaded.train.lr, original.train.lr);
}

TEST(Config, EveryKeyIsDocumentedAndItsDefaultIsValid) {
  const Config defaults;
  const std::string reference = config_keys_reference();
  for (const KeySpec& spec : config_schema()) {
    EXPECT_FALSE(spec.doc.empty()) << spec.name;
    EXPECT_NE(reference.find(std::string(spec.key()) + " ("), std::string::npos) << spec.name;
    EXPECT_NO_THROW(config_check_value(spec, spec.get(defaults), "default")) << spec.name;
  }
}

TEST(Config, ShippedConfigsLoad) {
  for (const auto& entry : fs::directory_iterator(fs::path(GENVEC_SOURCE_DIR) / "configs")) {
    if (entry.path().extension() != ".toml") continue;
    const fs::path path = entry.path();
    EXPECT_NO_THROW(config_load(&path, {})) << path;
  }
}

TEST(Config, MissingConfigFileIsAClearError) {
  const fs::path path = "/nonexistent/run.toml";
  try {
    config_load(&path, {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/run.toml"), std::string::npos);
    EXPECT_FALSE(e.hint().empty());
  }
}

}  // namespace
}  // namespace genvec
