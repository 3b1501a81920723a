// The tasks a run evaluates, shared by `genvec eval` and the evaluation during training: the
// registry (eval.registry, or --tasks FILE) and its named tasks, loaded and checked up front, so a
// missing file or a malformed row stops the command before any model is loaded.
#pragma once

#include <string>
#include <vector>

#include "eval/tasks/task_data.h"
#include "eval/tasks/task_registry.h"

namespace genvec {

struct Config;

// `override_file` (a --tasks value) replaces eval.registry when given.
TaskRegistry eval_registry(const Config& config, const std::string* override_file);

// The named tasks (all of the registry's when `names` is empty), in that order.
std::vector<TaskData> eval_tasks_load(const TaskRegistry& registry,
                                      const std::vector<std::string>& names);

}  // namespace genvec
