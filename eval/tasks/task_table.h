// Rows of a task's table file (see TableSource in task_registry.h), cell by column name. Every
// problem is an IoError naming the task, the file and the line: evaluation never skips a row it
// cannot read. Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eval/tasks/task_registry.h"

namespace genvec {

class Json;

class TableRow {
 public:
  virtual ~TableRow() = default;
  virtual const std::string& file() const = 0;
  virtual int64_t line() const = 0;
  // The cell of `column` as text (JSON numbers and booleans as written); an IoError naming the
  // file, line and column when the row lacks it.
  virtual std::string text(const std::string& column) const = 0;
  // A JSON array of strings (jsonl only; other formats give a one-element list).
  virtual std::vector<std::string> list(const std::string& column) const = 0;
  // Several columns' texts joined by a space, empty ones left out (title + text).
  std::string joined(const std::vector<std::string>& columns) const;
};

// Calls `visit` for every row of `source`; `what` names the task and role in errors. Returns the
// number of cells whose invalid UTF-8 was replaced (source.replace_invalid_utf8; else an error).
int64_t table_read(const TableSource& source, const std::string& what,
                   const std::function<void(const TableRow&)>& visit);

}  // namespace genvec
