# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mfile_global_optspecs
    string join \n center= json q/quiet color= h/help V/version
end

function __fish_mfile_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mfile_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mfile_using_subcommand
    set -l cmd (__fish_mfile_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mfile -n "__fish_mfile_needs_command" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_needs_command" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_needs_command" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_needs_command" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_needs_command" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_needs_command" -s V -l version -d 'Print version'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "register" -d 'Create a model and version if missing, and print its config'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "config" -d 'Print the config of a model or version: center, folders, catalog, key'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "import" -d 'Copy files or folders into a version'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "adopt" -d 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "scan" -d 'List stored files from the catalog'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "pull" -d 'Copy a version\'s files into a folder'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "delete" -d 'Remove files, a version or a model'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "versions" -d 'List the versions of a model'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "diff" -d 'Show the files added, removed and changed between two versions'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "alias" -d 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "profiles" -d 'List the models in the center'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "center" -d 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user\'s or the system\'s config file, or the default'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "verify" -d 'Rehash stored files and report missing, corrupted and untracked ones'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "gc" -d 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "claim-writer" -d 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "log-param" -d 'Record hyperparameters of a training run (write-once)'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "log-metric" -d 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "track" -d 'Run a training command, pass its output through, record the JSON metrics it prints'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "runs" -d 'List training runs with their params and metrics (or end or delete runs)'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "compare" -d 'Compare runs: params side by side with differences marked, and each metric\'s summary'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "metrics" -d 'Export the full metric history of a run as CSV or JSON'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "tag" -d 'Set or remove tags of a run or a version'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "ui" -d 'Serve a read-only web page of models, files, runs and their charts'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "report" -d 'Write one self-contained HTML file with a model\'s runs and their charts'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mfile -n "__fish_mfile_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand register" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand register" -l version -d 'The version name (e.g. 1.0)' -r
complete -c mfile -n "__fish_mfile_using_subcommand register" -l description -d 'A description of the version' -r
complete -c mfile -n "__fish_mfile_using_subcommand register" -l tag -d 'A tag on the version; repeat for more' -r
complete -c mfile -n "__fish_mfile_using_subcommand register" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand register" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand register" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand register" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand register" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand config" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand config" -l version -d 'The version name (e.g. 1.0); without it, the whole model' -r
complete -c mfile -n "__fish_mfile_using_subcommand config" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand config" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand config" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand config" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand config" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand import" -l run -d 'The run that produced these files (RUN or USER/RUN): the version records it' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -l version -d 'The version name (e.g. 1.0)' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -l subdir -d 'The folder inside the version to import into' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -l include -d 'Only files matching GLOB (a glob without / matches the name at any depth)' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -l exclude -d 'Leave out files matching GLOB (wins over --include)' -r
complete -c mfile -n "__fish_mfile_using_subcommand import" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand import" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand import" -l untracked -d 'Adopt, in place, the files written straight into the version\'s folder of a local center (what `verify` calls untracked)'
complete -c mfile -n "__fish_mfile_using_subcommand import" -l move -d 'Remove each source once its stored copy is durable and verified'
complete -c mfile -n "__fish_mfile_using_subcommand import" -l force -d 'Replace stored files whose content differs'
complete -c mfile -n "__fish_mfile_using_subcommand import" -s L -l follow-links -d 'Follow symbolic links inside folders (they are refused otherwise)'
complete -c mfile -n "__fish_mfile_using_subcommand import" -s n -l dry-run -d 'Show what would happen; write nothing'
complete -c mfile -n "__fish_mfile_using_subcommand import" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand import" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand import" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -l force -d 'Replace files a version already holds with other content (as import --force)'
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -s n -l dry-run -d 'Show what would be adopted, file by file; write nothing'
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand adopt" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -s m -l model -d 'Only this model' -r
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l version -d 'Only this version (needs --model)' -r
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l include -d 'Only files matching GLOB (a glob without / matches the name at any depth)' -r
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l exclude -d 'Leave out files matching GLOB (wins over --include)' -r
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l sort -d 'name ascending; size and mod largest/newest first' -r -f -a "name\t''
mod\t''
size\t''"
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand scan" -s r -l reverse -d 'Reverse the order'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -s l -l attributes -d 'Show modified time, size and md5'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l verify -d 'Rehash the listed files and mark missing or changed ones'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand scan" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand pull" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l version -d 'The version name (e.g. 1.0)' -r
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l to -d 'The folder to pull into' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l include -d 'Only files matching GLOB (a glob without / matches the name at any depth)' -r
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l exclude -d 'Leave out files matching GLOB (wins over --include)' -r
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l force -d 'Overwrite local files whose content differs'
complete -c mfile -n "__fish_mfile_using_subcommand pull" -s n -l dry-run -d 'Show what would happen; write nothing'
complete -c mfile -n "__fish_mfile_using_subcommand pull" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand pull" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand pull" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l version -d 'The version name (e.g. 1.0); without it, the whole model' -r
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l include -d 'Remove the files matching GLOB' -r
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l all -d 'With --version: drop the whole version; without: drop the whole model'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -s y -l yes -d 'Don\'t ask for confirmation (needed for --all without a terminal)'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l ignore-missing -d 'Skip named files that are not in the version instead of failing'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -s n -l dry-run -d 'Show what would be deleted; delete nothing'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand delete" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand versions" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand versions" -l tag -d 'Only versions with this tag; repeat for more (all must hold)' -r
complete -c mfile -n "__fish_mfile_using_subcommand versions" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand versions" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand versions" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand versions" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand versions" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand diff" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand diff" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand diff" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand diff" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand diff" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand diff" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -f -a "set" -d 'Point an alias at a version (moving it if it names another)'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -f -a "list" -d 'List a model\'s aliases and the versions they name'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -f -a "rm" -d 'Remove an alias'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -f -a "log" -d 'Every move of a model\'s aliases (or one alias), with who and when'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and not __fish_seen_subcommand_from set list rm log help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from help" -f -a "set" -d 'Point an alias at a version (moving it if it names another)'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from help" -f -a "list" -d 'List a model\'s aliases and the versions they name'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from help" -f -a "rm" -d 'Remove an alias'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from help" -f -a "log" -d 'Every move of a model\'s aliases (or one alias), with who and when'
complete -c mfile -n "__fish_mfile_using_subcommand alias; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand profiles" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand profiles" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand profiles" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand profiles" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand center" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand center" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand center" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand center" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand center" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand verify" -s m -l model -d 'Only this model' -r
complete -c mfile -n "__fish_mfile_using_subcommand verify" -l version -d 'Only this version (needs --model)' -r
complete -c mfile -n "__fish_mfile_using_subcommand verify" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand verify" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand verify" -l deep -d 'Check the catalog with SQLite\'s full integrity_check (indexes too; slower) instead of quick_check; on a center in a bucket, also download and rehash every file (without it, each file\'s object is checked by its size)'
complete -c mfile -n "__fish_mfile_using_subcommand verify" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand verify" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand verify" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand gc" -l grace -d 'Keep garbage younger than this: an import under way has uploaded bytes that no version names yet. A number and a unit: 30m, 24h, 7d; 0s when no one else writes the center' -r
complete -c mfile -n "__fish_mfile_using_subcommand gc" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand gc" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand gc" -s n -l dry-run -d 'Show what would be removed; remove nothing'
complete -c mfile -n "__fish_mfile_using_subcommand gc" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand gc" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand gc" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -l release -d 'Give the claim up: no host may write the center while it is on a network filesystem'
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -l force -d 'Take (or release) the claim of another host; only when that host no longer writes it'
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand claim-writer" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l run -d 'The run name (unique per model and user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l file -d 'A JSON file with a flat object of parameters' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand log-param" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l run -d 'The run name (unique per model and user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l step -d 'The step of the values given as arguments (default: each key\'s last step + 1); from -(2^53-1) to 2^53-1' -r
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l file -d 'Read JSON lines or a CSV log from FILE; - reads JSON lines from stdin as they come' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l follow -d 'Keep reading FILE as it grows (like tail -f), until Ctrl-C'
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l strict -d 'Stop at the first bad line (after recording the lines before it) instead of skipping it'
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand log-metric" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand track" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l run -d 'The run name (default: run-<date>-<time>)' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l param -d 'A parameter to record; repeat for more' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l note -d 'A note on the run' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l version -d 'The model version this run produces' -r
complete -c mfile -n "__fish_mfile_using_subcommand track" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand track" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand track" -l new -d 'When the --run name is taken, record as NAME-2, NAME-3, ... (the first free one)'
complete -c mfile -n "__fish_mfile_using_subcommand track" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand track" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand track" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -s m -l model -d 'Only this model' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l status -d 'Only runs with this status' -r -f -a "running\t''
finished\t''
failed\t''
killed\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l where -d 'Only runs matching EXPR, e.g. \'acc > 0.9 and opt = "adam"\' (see docs/tracking.md)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l tag -d 'Only runs with this tag; repeat for more (all must hold)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l sort -d 'Order by a run field, param or metric (`-KEY` descending); runs without it go last' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l limit -d 'Show the first N runs (after --where and --sort)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l all-users -d 'Show every user\'s runs, not only yours'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l only-changed -d 'Hide the params that are the same in every listed run'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -f -a "end" -d 'Set a run\'s final status (what `track` does by itself)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -f -a "delete" -d 'Delete runs with their params and metrics'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -f -a "note" -d 'Set a run\'s note (replacing the one it had)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -f -a "push" -d 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and not __fish_seen_subcommand_from end delete note push help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l run -d 'The run name (unique per model and user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l status -d 'The status to set' -r -f -a "running\t''
finished\t''
failed\t''
killed\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from end" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Don\'t ask for confirmation (needed without a terminal)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -s n -l dry-run -d 'Show what would be deleted; delete nothing'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -l run -d 'The run name (unique per model and user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from note" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from push" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from push" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from push" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from help" -f -a "end" -d 'Set a run\'s final status (what `track` does by itself)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete runs with their params and metrics'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from help" -f -a "note" -d 'Set a run\'s note (replacing the one it had)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from help" -f -a "push" -d 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
complete -c mfile -n "__fish_mfile_using_subcommand runs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand compare" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand compare" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand compare" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand compare" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand compare" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand compare" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand compare" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l key -d 'Only these metric keys; repeat for more' -r
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l format -d 'csv (key,step,value,logged_at) or json; --json is the same as --format json' -r -f -a "csv\t''
json\t''"
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l run -d 'The run: RUN (yours) or USER/RUN' -r
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand metrics" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand tag" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l rm -d 'A tag to remove; repeat for more' -r
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l run -d 'The run to tag' -r
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l version -d 'The version to tag' -r
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l user -d 'With --run: the run\'s owner (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand tag" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand tag" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand tag" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand ui" -l bind -d 'Address to listen on [default: 127.0.0.1:8421, or the next free port up to 8430]. Any address but loopback makes the page reachable by others, without a login' -r
complete -c mfile -n "__fish_mfile_using_subcommand ui" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand ui" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand ui" -l open -d 'Open the page in the default browser'
complete -c mfile -n "__fish_mfile_using_subcommand ui" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand ui" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand ui" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand report" -s m -l model -d 'The model name' -r
complete -c mfile -n "__fish_mfile_using_subcommand report" -l run -d 'A run to include: RUN (yours) or USER/RUN; repeat for more [default: all your runs]' -r
complete -c mfile -n "__fish_mfile_using_subcommand report" -l user -d 'Act as this user (default: $MFILE_USER, else the OS user)' -r
complete -c mfile -n "__fish_mfile_using_subcommand report" -s o -l out -d 'The HTML file to write [default: MODEL-report.html]; `-` for stdout' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand report" -l max-points -d 'Points per chart line at most (longer histories are thinned, keeping their shape)' -r
complete -c mfile -n "__fish_mfile_using_subcommand report" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand report" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand report" -l all-users -d 'Without --run: include every user\'s runs'
complete -c mfile -n "__fish_mfile_using_subcommand report" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand report" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand report" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand completions" -l center -d 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)' -r -F
complete -c mfile -n "__fish_mfile_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mfile -n "__fish_mfile_using_subcommand completions" -l json -d 'Print one JSON document on stdout instead of tables'
complete -c mfile -n "__fish_mfile_using_subcommand completions" -s q -l quiet -d 'Print no progress, per-file lines or summaries; errors still go to stderr'
complete -c mfile -n "__fish_mfile_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "register" -d 'Create a model and version if missing, and print its config'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "config" -d 'Print the config of a model or version: center, folders, catalog, key'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "import" -d 'Copy files or folders into a version'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "adopt" -d 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "scan" -d 'List stored files from the catalog'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "pull" -d 'Copy a version\'s files into a folder'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "delete" -d 'Remove files, a version or a model'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "versions" -d 'List the versions of a model'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "diff" -d 'Show the files added, removed and changed between two versions'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "alias" -d 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "profiles" -d 'List the models in the center'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "center" -d 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user\'s or the system\'s config file, or the default'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "verify" -d 'Rehash stored files and report missing, corrupted and untracked ones'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "gc" -d 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "claim-writer" -d 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "log-param" -d 'Record hyperparameters of a training run (write-once)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "log-metric" -d 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "track" -d 'Run a training command, pass its output through, record the JSON metrics it prints'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "runs" -d 'List training runs with their params and metrics (or end or delete runs)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "compare" -d 'Compare runs: params side by side with differences marked, and each metric\'s summary'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "metrics" -d 'Export the full metric history of a run as CSV or JSON'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "tag" -d 'Set or remove tags of a run or a version'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "ui" -d 'Serve a read-only web page of models, files, runs and their charts'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "report" -d 'Write one self-contained HTML file with a model\'s runs and their charts'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c mfile -n "__fish_mfile_using_subcommand help; and not __fish_seen_subcommand_from register config import adopt scan pull delete versions diff alias profiles center verify gc claim-writer log-param log-metric track runs compare metrics tag ui report completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from alias" -f -a "set" -d 'Point an alias at a version (moving it if it names another)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from alias" -f -a "list" -d 'List a model\'s aliases and the versions they name'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from alias" -f -a "rm" -d 'Remove an alias'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from alias" -f -a "log" -d 'Every move of a model\'s aliases (or one alias), with who and when'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from runs" -f -a "end" -d 'Set a run\'s final status (what `track` does by itself)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from runs" -f -a "delete" -d 'Delete runs with their params and metrics'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from runs" -f -a "note" -d 'Set a run\'s note (replacing the one it had)'
complete -c mfile -n "__fish_mfile_using_subcommand help; and __fish_seen_subcommand_from runs" -f -a "push" -d 'Upload what this machine recorded of runs and could not upload yet (a bucket center)'
