#include "stages/eval_tasks.h"

#include "common/config.h"
#include "common/errors.h"

namespace genvec {

TaskRegistry eval_registry(const Config& config, const std::string* override_file) {
  const std::string file = override_file ? *override_file : config.eval.registry;
  if (file.empty())
    throw ConfigError("no task registry: eval.registry is empty",
                      "set eval.registry (configs/tasks/bundled.toml holds the bundled tasks) or "
                      "pass --tasks FILE");
  return task_registry_load(file);
}

std::vector<TaskData> eval_tasks_load(const TaskRegistry& registry,
                                      const std::vector<std::string>& names) {
  std::vector<TaskData> tasks;
  for (const TaskSpec* spec : registry.select(names)) tasks.push_back(task_data_load(*spec));
  return tasks;
}

}  // namespace genvec
