
use builtin;
use str;

set edit:completion:arg-completer[mfile] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mfile'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mfile'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand register 'Create a model and version if missing, and print its config'
            cand config 'Print the config of a model or version: center, folders, catalog, key'
            cand import 'Copy files or folders into a version'
            cand adopt 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)'
            cand scan 'List stored files from the catalog'
            cand pull 'Copy a version''s files into a folder'
            cand delete 'Remove files, a version or a model'
            cand versions 'List the versions of a model'
            cand diff 'Show the files added, removed and changed between two versions'
            cand alias 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)'
            cand profiles 'List the models in the center'
            cand center 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user''s or the system''s config file, or the default'
            cand verify 'Rehash stored files and report missing, corrupted and untracked ones'
            cand gc 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files'
            cand claim-writer 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)'
            cand log-param 'Record hyperparameters of a training run (write-once)'
            cand log-metric 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin'
            cand track 'Run a training command, pass its output through, record the JSON metrics it prints'
            cand runs 'List training runs with their params and metrics (or end or delete runs)'
            cand compare 'Compare runs: params side by side with differences marked, and each metric''s summary'
            cand metrics 'Export the full metric history of a run as CSV or JSON'
            cand tag 'Set or remove tags of a run or a version'
            cand ui 'Serve a read-only web page of models, files, runs and their charts'
            cand report 'Write one self-contained HTML file with a model''s runs and their charts'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;register'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0)'
            cand --description 'A description of the version'
            cand --tag 'A tag on the version; repeat for more'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;config'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0); without it, the whole model'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;import'= {
            cand --run 'The run that produced these files (RUN or USER/RUN): the version records it'
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0)'
            cand --subdir 'The folder inside the version to import into'
            cand --include 'Only files matching GLOB (a glob without / matches the name at any depth)'
            cand --exclude 'Leave out files matching GLOB (wins over --include)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --untracked 'Adopt, in place, the files written straight into the version''s folder of a local center (what `verify` calls untracked)'
            cand --move 'Remove each source once its stored copy is durable and verified'
            cand --force 'Replace stored files whose content differs'
            cand -L 'Follow symbolic links inside folders (they are refused otherwise)'
            cand --follow-links 'Follow symbolic links inside folders (they are refused otherwise)'
            cand -n 'Show what would happen; write nothing'
            cand --dry-run 'Show what would happen; write nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;adopt'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --force 'Replace files a version already holds with other content (as import --force)'
            cand -n 'Show what would be adopted, file by file; write nothing'
            cand --dry-run 'Show what would be adopted, file by file; write nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;scan'= {
            cand -m 'Only this model'
            cand --model 'Only this model'
            cand --version 'Only this version (needs --model)'
            cand --include 'Only files matching GLOB (a glob without / matches the name at any depth)'
            cand --exclude 'Leave out files matching GLOB (wins over --include)'
            cand --sort 'name ascending; size and mod largest/newest first'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand -r 'Reverse the order'
            cand --reverse 'Reverse the order'
            cand -l 'Show modified time, size and md5'
            cand --attributes 'Show modified time, size and md5'
            cand --verify 'Rehash the listed files and mark missing or changed ones'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;pull'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0)'
            cand --to 'The folder to pull into'
            cand --include 'Only files matching GLOB (a glob without / matches the name at any depth)'
            cand --exclude 'Leave out files matching GLOB (wins over --include)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --force 'Overwrite local files whose content differs'
            cand -n 'Show what would happen; write nothing'
            cand --dry-run 'Show what would happen; write nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;delete'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0); without it, the whole model'
            cand --include 'Remove the files matching GLOB'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --all 'With --version: drop the whole version; without: drop the whole model'
            cand -y 'Don''t ask for confirmation (needed for --all without a terminal)'
            cand --yes 'Don''t ask for confirmation (needed for --all without a terminal)'
            cand --ignore-missing 'Skip named files that are not in the version instead of failing'
            cand -n 'Show what would be deleted; delete nothing'
            cand --dry-run 'Show what would be deleted; delete nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;versions'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --tag 'Only versions with this tag; repeat for more (all must hold)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;diff'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;alias'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Point an alias at a version (moving it if it names another)'
            cand list 'List a model''s aliases and the versions they name'
            cand rm 'Remove an alias'
            cand log 'Every move of a model''s aliases (or one alias), with who and when'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;alias;set'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;alias;list'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;alias;rm'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;alias;log'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;alias;help'= {
            cand set 'Point an alias at a version (moving it if it names another)'
            cand list 'List a model''s aliases and the versions they name'
            cand rm 'Remove an alias'
            cand log 'Every move of a model''s aliases (or one alias), with who and when'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;alias;help;set'= {
        }
        &'mfile;alias;help;list'= {
        }
        &'mfile;alias;help;rm'= {
        }
        &'mfile;alias;help;log'= {
        }
        &'mfile;alias;help;help'= {
        }
        &'mfile;profiles'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;center'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;verify'= {
            cand -m 'Only this model'
            cand --model 'Only this model'
            cand --version 'Only this version (needs --model)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --deep 'Check the catalog with SQLite''s full integrity_check (indexes too; slower) instead of quick_check; on a center in a bucket, also download and rehash every file (without it, each file''s object is checked by its size)'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;gc'= {
            cand --grace 'Keep garbage younger than this: an import under way has uploaded bytes that no version names yet. A number and a unit: 30m, 24h, 7d; 0s when no one else writes the center'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand -n 'Show what would be removed; remove nothing'
            cand --dry-run 'Show what would be removed; remove nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;claim-writer'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --release 'Give the claim up: no host may write the center while it is on a network filesystem'
            cand --force 'Take (or release) the claim of another host; only when that host no longer writes it'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;log-param'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'The run name (unique per model and user)'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --file 'A JSON file with a flat object of parameters'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;log-metric'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'The run name (unique per model and user)'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --step 'The step of the values given as arguments (default: each key''s last step + 1); from -(2^53-1) to 2^53-1'
            cand --file 'Read JSON lines or a CSV log from FILE; - reads JSON lines from stdin as they come'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --follow 'Keep reading FILE as it grows (like tail -f), until Ctrl-C'
            cand --strict 'Stop at the first bad line (after recording the lines before it) instead of skipping it'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;track'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'The run name (default: run-<date>-<time>)'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --param 'A parameter to record; repeat for more'
            cand --note 'A note on the run'
            cand --version 'The model version this run produces'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --new 'When the --run name is taken, record as NAME-2, NAME-3, ... (the first free one)'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;runs'= {
            cand -m 'Only this model'
            cand --model 'Only this model'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --status 'Only runs with this status'
            cand --where 'Only runs matching EXPR, e.g. ''acc > 0.9 and opt = "adam"'' (see docs/tracking.md)'
            cand --tag 'Only runs with this tag; repeat for more (all must hold)'
            cand --sort 'Order by a run field, param or metric (`-KEY` descending); runs without it go last'
            cand --limit 'Show the first N runs (after --where and --sort)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --all-users 'Show every user''s runs, not only yours'
            cand --only-changed 'Hide the params that are the same in every listed run'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
            cand end 'Set a run''s final status (what `track` does by itself)'
            cand delete 'Delete runs with their params and metrics'
            cand note 'Set a run''s note (replacing the one it had)'
            cand push 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;runs;end'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'The run name (unique per model and user)'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --status 'The status to set'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;runs;delete'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand -y 'Don''t ask for confirmation (needed without a terminal)'
            cand --yes 'Don''t ask for confirmation (needed without a terminal)'
            cand -n 'Show what would be deleted; delete nothing'
            cand --dry-run 'Show what would be deleted; delete nothing'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;runs;note'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'The run name (unique per model and user)'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;runs;push'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;runs;help'= {
            cand end 'Set a run''s final status (what `track` does by itself)'
            cand delete 'Delete runs with their params and metrics'
            cand note 'Set a run''s note (replacing the one it had)'
            cand push 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;runs;help;end'= {
        }
        &'mfile;runs;help;delete'= {
        }
        &'mfile;runs;help;note'= {
        }
        &'mfile;runs;help;push'= {
        }
        &'mfile;runs;help;help'= {
        }
        &'mfile;compare'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;metrics'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand --key 'Only these metric keys; repeat for more'
            cand --format 'csv (key,step,value,logged_at) or json; --json is the same as --format json'
            cand --run 'The run: RUN (yours) or USER/RUN'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;tag'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --rm 'A tag to remove; repeat for more'
            cand --run 'The run to tag'
            cand --version 'The version to tag'
            cand --user 'With --run: the run''s owner (default: $MFILE_USER, else the OS user)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;ui'= {
            cand --bind 'Address to listen on [default: 127.0.0.1:8421, or the next free port up to 8430]. Any address but loopback makes the page reachable by others, without a login'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --open 'Open the page in the default browser'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;report'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --run 'A run to include: RUN (yours) or USER/RUN; repeat for more [default: all your runs]'
            cand --user 'Act as this user (default: $MFILE_USER, else the OS user)'
            cand -o 'The HTML file to write [default: MODEL-report.html]; `-` for stdout'
            cand --out 'The HTML file to write [default: MODEL-report.html]; `-` for stdout'
            cand --max-points 'Points per chart line at most (longer histories are thinned, keeping their shape)'
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --all-users 'Without --run: include every user''s runs'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;completions'= {
            cand --center 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;help'= {
            cand register 'Create a model and version if missing, and print its config'
            cand config 'Print the config of a model or version: center, folders, catalog, key'
            cand import 'Copy files or folders into a version'
            cand adopt 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)'
            cand scan 'List stored files from the catalog'
            cand pull 'Copy a version''s files into a folder'
            cand delete 'Remove files, a version or a model'
            cand versions 'List the versions of a model'
            cand diff 'Show the files added, removed and changed between two versions'
            cand alias 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)'
            cand profiles 'List the models in the center'
            cand center 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user''s or the system''s config file, or the default'
            cand verify 'Rehash stored files and report missing, corrupted and untracked ones'
            cand gc 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files'
            cand claim-writer 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)'
            cand log-param 'Record hyperparameters of a training run (write-once)'
            cand log-metric 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin'
            cand track 'Run a training command, pass its output through, record the JSON metrics it prints'
            cand runs 'List training runs with their params and metrics (or end or delete runs)'
            cand compare 'Compare runs: params side by side with differences marked, and each metric''s summary'
            cand metrics 'Export the full metric history of a run as CSV or JSON'
            cand tag 'Set or remove tags of a run or a version'
            cand ui 'Serve a read-only web page of models, files, runs and their charts'
            cand report 'Write one self-contained HTML file with a model''s runs and their charts'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;help;register'= {
        }
        &'mfile;help;config'= {
        }
        &'mfile;help;import'= {
        }
        &'mfile;help;adopt'= {
        }
        &'mfile;help;scan'= {
        }
        &'mfile;help;pull'= {
        }
        &'mfile;help;delete'= {
        }
        &'mfile;help;versions'= {
        }
        &'mfile;help;diff'= {
        }
        &'mfile;help;alias'= {
            cand set 'Point an alias at a version (moving it if it names another)'
            cand list 'List a model''s aliases and the versions they name'
            cand rm 'Remove an alias'
            cand log 'Every move of a model''s aliases (or one alias), with who and when'
        }
        &'mfile;help;alias;set'= {
        }
        &'mfile;help;alias;list'= {
        }
        &'mfile;help;alias;rm'= {
        }
        &'mfile;help;alias;log'= {
        }
        &'mfile;help;profiles'= {
        }
        &'mfile;help;center'= {
        }
        &'mfile;help;verify'= {
        }
        &'mfile;help;gc'= {
        }
        &'mfile;help;claim-writer'= {
        }
        &'mfile;help;log-param'= {
        }
        &'mfile;help;log-metric'= {
        }
        &'mfile;help;track'= {
        }
        &'mfile;help;runs'= {
            cand end 'Set a run''s final status (what `track` does by itself)'
            cand delete 'Delete runs with their params and metrics'
            cand note 'Set a run''s note (replacing the one it had)'
            cand push 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
        }
        &'mfile;help;runs;end'= {
        }
        &'mfile;help;runs;delete'= {
        }
        &'mfile;help;runs;note'= {
        }
        &'mfile;help;runs;push'= {
        }
        &'mfile;help;compare'= {
        }
        &'mfile;help;metrics'= {
        }
        &'mfile;help;tag'= {
        }
        &'mfile;help;ui'= {
        }
        &'mfile;help;report'= {
        }
        &'mfile;help;completions'= {
        }
        &'mfile;help;help'= {
        }
    ]
    $completions[$command]
}
