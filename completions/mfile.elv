
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
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
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
            cand scan 'List stored files from the catalog'
            cand pull 'Copy a version''s files into a folder'
            cand delete 'Remove files, a version or a model'
            cand versions 'List the versions of a model'
            cand profiles 'List the models in the center'
            cand verify 'Rehash stored files and report missing, corrupted and untracked ones'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;register'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0)'
            cand --description 'A description of the version'
            cand --tag 'A tag on the version; repeat for more'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;config'= {
            cand -m 'm'
            cand --model 'model'
            cand --version 'version'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;import'= {
            cand -m 'The model name'
            cand --model 'The model name'
            cand --version 'The version name (e.g. 1.0)'
            cand --subdir 'The folder inside the version to import into'
            cand --include 'Only files matching GLOB (a glob without / matches the name at any depth)'
            cand --exclude 'Leave out files matching GLOB (wins over --include)'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
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
        &'mfile;scan'= {
            cand -m 'Only this model'
            cand --model 'Only this model'
            cand --version 'Only this version (needs --model)'
            cand --include 'Only files matching GLOB (a glob without / matches the name at any depth)'
            cand --exclude 'Leave out files matching GLOB (wins over --include)'
            cand --sort 'name ascending; size and mod largest/newest first'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
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
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
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
            cand -m 'm'
            cand --model 'model'
            cand --version 'version'
            cand --include 'Remove the files matching GLOB'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
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
            cand -m 'm'
            cand --model 'model'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;profiles'= {
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;verify'= {
            cand -m 'm'
            cand --model 'model'
            cand --version 'version'
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
            cand --color 'When to use colours'
            cand --json 'Print one JSON document on stdout instead of tables'
            cand -q 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand --quiet 'Print no progress, per-file lines or summaries; errors still go to stderr'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mfile;completions'= {
            cand --center 'The center folder (overrides MFILE_CENTER and the config file)'
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
            cand scan 'List stored files from the catalog'
            cand pull 'Copy a version''s files into a folder'
            cand delete 'Remove files, a version or a model'
            cand versions 'List the versions of a model'
            cand profiles 'List the models in the center'
            cand verify 'Rehash stored files and report missing, corrupted and untracked ones'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mfile;help;register'= {
        }
        &'mfile;help;config'= {
        }
        &'mfile;help;import'= {
        }
        &'mfile;help;scan'= {
        }
        &'mfile;help;pull'= {
        }
        &'mfile;help;delete'= {
        }
        &'mfile;help;versions'= {
        }
        &'mfile;help;profiles'= {
        }
        &'mfile;help;verify'= {
        }
        &'mfile;help;completions'= {
        }
        &'mfile;help;help'= {
        }
    ]
    $completions[$command]
}
