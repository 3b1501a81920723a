// `genvec shard`: the query files of [data] -> RUN/shards/ (data/shards.h). Rank 0 reads and
// writes (the work is file-bound and must come out the same on any number of ranks); the others
// have nothing to do. Finished shards of the same inputs are kept; shards of other inputs are
// refused without --force, since the caches of later stages were made from them.
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/errors.h"
#include "common/log.h"
#include "data/shards.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

namespace fs = std::filesystem;

int shard_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  const Config& config = context.config;
  const ShardOptions options = shard_options(config);

  const std::vector<fs::path> files = query_files_expand(config.data.files);
  const fs::path dir = fs::path(config.run.dir) / "shards";
  const std::string fingerprint = shard_input_fingerprint(files, options);
  if (const auto existing = shard_manifest_fingerprint(dir);
      existing && !context.has_flag("--force")) {
    if (*existing == fingerprint) {
      std::cout << "shards in " << dir.string() << " are up to date; nothing to do\n";
      return 0;
    }
    throw ConfigError(dir.string() + " holds shards of other inputs or [data] settings",
                      "rerun with --force to shard again (the caches made from the old shards "
                      "will then be refused), or use another run.dir");
  }
  const ShardReport report = shard_queries(files, options, dir);
  std::cout << "sharded " << report.accepted << " queries from " << files.size() << " file(s) into "
            << options.num_shards << " shards in " << dir.string() << "\n"
            << "  rows read " << report.rows << ", rejected " << report.rejected << " (duplicates "
            << report.duplicates << ")"
            << (report.rejected
                    ? ", listed with file, line and reason in " + (dir / "rejects.jsonl").string()
                    : std::string())
            << "\n";
  if (report.over_max_queries)
    std::cout << "  " << report.over_max_queries << " further valid queries not used "
              << "(data.max_queries = " << options.max_queries << ")\n";
  log_info(str_cat("shard: ", report.accepted, " accepted, ", report.rejected, " rejected"));
  return 0;
}

}  // namespace genvec
