
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mfile' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mfile'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mfile' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Create a model and version if missing, and print its config')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print the config of a model or version: center, folders, catalog, key')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Copy files or folders into a version')
            [CompletionResult]::new('adopt', 'adopt', [CompletionResultType]::ParameterValue, 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List stored files from the catalog')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy a version''s files into a folder')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove files, a version or a model')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions of a model')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show the files added, removed and changed between two versions')
            [CompletionResult]::new('alias', 'alias', [CompletionResultType]::ParameterValue, 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the models in the center')
            [CompletionResult]::new('center', 'center', [CompletionResultType]::ParameterValue, 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user''s or the system''s config file, or the default')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Rehash stored files and report missing, corrupted and untracked ones')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files')
            [CompletionResult]::new('claim-writer', 'claim-writer', [CompletionResultType]::ParameterValue, 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)')
            [CompletionResult]::new('log-param', 'log-param', [CompletionResultType]::ParameterValue, 'Record hyperparameters of a training run (write-once)')
            [CompletionResult]::new('log-metric', 'log-metric', [CompletionResultType]::ParameterValue, 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin')
            [CompletionResult]::new('track', 'track', [CompletionResultType]::ParameterValue, 'Run a training command, pass its output through, record the JSON metrics it prints')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'List training runs with their params and metrics (or end or delete runs)')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Compare runs: params side by side with differences marked, and each metric''s summary')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Export the full metric history of a run as CSV or JSON')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Set or remove tags of a run or a version')
            [CompletionResult]::new('ui', 'ui', [CompletionResultType]::ParameterValue, 'Serve a read-only web page of models, files, runs and their charts')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write one self-contained HTML file with a model''s runs and their charts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;register' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0)')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A description of the version')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag on the version; repeat for more')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;config' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0); without it, the whole model')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;import' {
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run that produced these files (RUN or USER/RUN): the version records it')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0)')
            [CompletionResult]::new('--subdir', '--subdir', [CompletionResultType]::ParameterName, 'The folder inside the version to import into')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only files matching GLOB (a glob without / matches the name at any depth)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out files matching GLOB (wins over --include)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--untracked', '--untracked', [CompletionResultType]::ParameterName, 'Adopt, in place, the files written straight into the version''s folder of a local center (what `verify` calls untracked)')
            [CompletionResult]::new('--move', '--move', [CompletionResultType]::ParameterName, 'Remove each source once its stored copy is durable and verified')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace stored files whose content differs')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Follow symbolic links inside folders (they are refused otherwise)')
            [CompletionResult]::new('--follow-links', '--follow-links', [CompletionResultType]::ParameterName, 'Follow symbolic links inside folders (they are refused otherwise)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; write nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;adopt' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace files a version already holds with other content (as import --force)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be adopted, file by file; write nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be adopted, file by file; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;scan' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Only this version (needs --model)')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only files matching GLOB (a glob without / matches the name at any depth)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out files matching GLOB (wins over --include)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'name ascending; size and mod largest/newest first')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('--reverse', '--reverse', [CompletionResultType]::ParameterName, 'Reverse the order')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Show modified time, size and md5')
            [CompletionResult]::new('--attributes', '--attributes', [CompletionResultType]::ParameterName, 'Show modified time, size and md5')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Rehash the listed files and mark missing or changed ones')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;pull' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The folder to pull into')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only files matching GLOB (a glob without / matches the name at any depth)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out files matching GLOB (wins over --include)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite local files whose content differs')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would happen; write nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;delete' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0); without it, the whole model')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Remove the files matching GLOB')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --version: drop the whole version; without: drop the whole model')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (needed for --all without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (needed for --all without a terminal)')
            [CompletionResult]::new('--ignore-missing', '--ignore-missing', [CompletionResultType]::ParameterName, 'Skip named files that are not in the version instead of failing')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be deleted; delete nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted; delete nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;versions' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only versions with this tag; repeat for more (all must hold)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;diff' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;alias' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Point an alias at a version (moving it if it names another)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a model''s aliases and the versions they name')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove an alias')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Every move of a model''s aliases (or one alias), with who and when')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;alias;set' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;alias;list' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;alias;rm' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;alias;log' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;alias;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Point an alias at a version (moving it if it names another)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a model''s aliases and the versions they name')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove an alias')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Every move of a model''s aliases (or one alias), with who and when')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;alias;help;set' {
            break
        }
        'mfile;alias;help;list' {
            break
        }
        'mfile;alias;help;rm' {
            break
        }
        'mfile;alias;help;log' {
            break
        }
        'mfile;alias;help;help' {
            break
        }
        'mfile;profiles' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;center' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;verify' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Only this version (needs --model)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--deep', '--deep', [CompletionResultType]::ParameterName, 'Check the catalog with SQLite''s full integrity_check (indexes too; slower) instead of quick_check; on a center in a bucket, also download and rehash every file (without it, each file''s object is checked by its size)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;gc' {
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Keep garbage younger than this: an import under way has uploaded bytes that no version names yet. A number and a unit: 30m, 24h, 7d; 0s when no one else writes the center')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be removed; remove nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be removed; remove nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;claim-writer' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Give the claim up: no host may write the center while it is on a network filesystem')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Take (or release) the claim of another host; only when that host no longer writes it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;log-param' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run name (unique per model and user)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A JSON file with a flat object of parameters')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;log-metric' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run name (unique per model and user)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'The step of the values given as arguments (default: each key''s last step + 1); from -(2^53-1) to 2^53-1')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read JSON lines or a CSV log from FILE; - reads JSON lines from stdin as they come')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep reading FILE as it grows (like tail -f), until Ctrl-C')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Stop at the first bad line (after recording the lines before it) instead of skipping it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;track' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run name (default: run-<date>-<time>)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--param', '--param', [CompletionResultType]::ParameterName, 'A parameter to record; repeat for more')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'A note on the run')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The model version this run produces')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--new', '--new', [CompletionResultType]::ParameterName, 'When the --run name is taken, record as NAME-2, NAME-3, ... (the first free one)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;runs' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only runs with this status')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'Only runs matching EXPR, e.g. ''acc > 0.9 and opt = "adam"'' (see docs/tracking.md)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only runs with this tag; repeat for more (all must hold)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order by a run field, param or metric (`-KEY` descending); runs without it go last')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show the first N runs (after --where and --sort)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--all-users', '--all-users', [CompletionResultType]::ParameterName, 'Show every user''s runs, not only yours')
            [CompletionResult]::new('--only-changed', '--only-changed', [CompletionResultType]::ParameterName, 'Hide the params that are the same in every listed run')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'Set a run''s final status (what `track` does by itself)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete runs with their params and metrics')
            [CompletionResult]::new('note', 'note', [CompletionResultType]::ParameterValue, 'Set a run''s note (replacing the one it had)')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Upload what this machine recorded of runs and could not upload yet (a bucket center)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;runs;end' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run name (unique per model and user)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'The status to set')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;runs;delete' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Don''t ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be deleted; delete nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted; delete nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;runs;note' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run name (unique per model and user)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;runs;push' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;runs;help' {
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'Set a run''s final status (what `track` does by itself)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete runs with their params and metrics')
            [CompletionResult]::new('note', 'note', [CompletionResultType]::ParameterValue, 'Set a run''s note (replacing the one it had)')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Upload what this machine recorded of runs and could not upload yet (a bucket center)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;runs;help;end' {
            break
        }
        'mfile;runs;help;delete' {
            break
        }
        'mfile;runs;help;note' {
            break
        }
        'mfile;runs;help;push' {
            break
        }
        'mfile;runs;help;help' {
            break
        }
        'mfile;compare' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;metrics' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Only these metric keys; repeat for more')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'csv (key,step,value,logged_at) or json; --json is the same as --format json')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run: RUN (yours) or USER/RUN')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;tag' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--rm', '--rm', [CompletionResultType]::ParameterName, 'A tag to remove; repeat for more')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'The run to tag')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version to tag')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --run: the run''s owner (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;ui' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on [default: 127.0.0.1:8421, or the next free port up to 8430]. Any address but loopback makes the page reachable by others, without a login')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open the page in the default browser')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;report' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'A run to include: RUN (yours) or USER/RUN; repeat for more [default: all your runs]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Act as this user (default: $MFILE_USER, else the OS user)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The HTML file to write [default: MODEL-report.html]; `-` for stdout')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The HTML file to write [default: MODEL-report.html]; `-` for stdout')
            [CompletionResult]::new('--max-points', '--max-points', [CompletionResultType]::ParameterName, 'Points per chart line at most (longer histories are thinned, keeping their shape)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--all-users', '--all-users', [CompletionResultType]::ParameterName, 'Without --run: include every user''s runs')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;completions' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder or s3:// URL (overrides MFILE_CENTER and the config files)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;help' {
            [CompletionResult]::new('register', 'register', [CompletionResultType]::ParameterValue, 'Create a model and version if missing, and print its config')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Print the config of a model or version: center, folders, catalog, key')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Copy files or folders into a version')
            [CompletionResult]::new('adopt', 'adopt', [CompletionResultType]::ParameterValue, 'Register the models, versions and files of a d6tpipe / bolt4ds center (its cfg.json folder)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List stored files from the catalog')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy a version''s files into a folder')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove files, a version or a model')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions of a model')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show the files added, removed and changed between two versions')
            [CompletionResult]::new('alias', 'alias', [CompletionResultType]::ParameterValue, 'Name versions: set, list, remove and trace aliases such as @prod (@latest is built in)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the models in the center')
            [CompletionResult]::new('center', 'center', [CompletionResultType]::ParameterValue, 'Print which center is in use and where that choice came from: --center, MFILE_CENTER, the user''s or the system''s config file, or the default')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Rehash stored files and report missing, corrupted and untracked ones')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove what no version names any more: unused blobs and packs of a bucket center, unfinished uploads, leftover temp files')
            [CompletionResult]::new('claim-writer', 'claim-writer', [CompletionResultType]::ParameterValue, 'Make this host the only writer of a center on a network filesystem (NFS, SMB, FUSE)')
            [CompletionResult]::new('log-param', 'log-param', [CompletionResultType]::ParameterValue, 'Record hyperparameters of a training run (write-once)')
            [CompletionResult]::new('log-metric', 'log-metric', [CompletionResultType]::ParameterValue, 'Record metric values of a training run: arguments, a JSON-lines or CSV file, or stdin')
            [CompletionResult]::new('track', 'track', [CompletionResultType]::ParameterValue, 'Run a training command, pass its output through, record the JSON metrics it prints')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'List training runs with their params and metrics (or end or delete runs)')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Compare runs: params side by side with differences marked, and each metric''s summary')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Export the full metric history of a run as CSV or JSON')
            [CompletionResult]::new('tag', 'tag', [CompletionResultType]::ParameterValue, 'Set or remove tags of a run or a version')
            [CompletionResult]::new('ui', 'ui', [CompletionResultType]::ParameterValue, 'Serve a read-only web page of models, files, runs and their charts')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Write one self-contained HTML file with a model''s runs and their charts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mfile;help;register' {
            break
        }
        'mfile;help;config' {
            break
        }
        'mfile;help;import' {
            break
        }
        'mfile;help;adopt' {
            break
        }
        'mfile;help;scan' {
            break
        }
        'mfile;help;pull' {
            break
        }
        'mfile;help;delete' {
            break
        }
        'mfile;help;versions' {
            break
        }
        'mfile;help;diff' {
            break
        }
        'mfile;help;alias' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Point an alias at a version (moving it if it names another)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List a model''s aliases and the versions they name')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove an alias')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Every move of a model''s aliases (or one alias), with who and when')
            break
        }
        'mfile;help;alias;set' {
            break
        }
        'mfile;help;alias;list' {
            break
        }
        'mfile;help;alias;rm' {
            break
        }
        'mfile;help;alias;log' {
            break
        }
        'mfile;help;profiles' {
            break
        }
        'mfile;help;center' {
            break
        }
        'mfile;help;verify' {
            break
        }
        'mfile;help;gc' {
            break
        }
        'mfile;help;claim-writer' {
            break
        }
        'mfile;help;log-param' {
            break
        }
        'mfile;help;log-metric' {
            break
        }
        'mfile;help;track' {
            break
        }
        'mfile;help;runs' {
            [CompletionResult]::new('end', 'end', [CompletionResultType]::ParameterValue, 'Set a run''s final status (what `track` does by itself)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete runs with their params and metrics')
            [CompletionResult]::new('note', 'note', [CompletionResultType]::ParameterValue, 'Set a run''s note (replacing the one it had)')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Upload what this machine recorded of runs and could not upload yet (a bucket center)')
            break
        }
        'mfile;help;runs;end' {
            break
        }
        'mfile;help;runs;delete' {
            break
        }
        'mfile;help;runs;note' {
            break
        }
        'mfile;help;runs;push' {
            break
        }
        'mfile;help;compare' {
            break
        }
        'mfile;help;metrics' {
            break
        }
        'mfile;help;tag' {
            break
        }
        'mfile;help;ui' {
            break
        }
        'mfile;help;report' {
            break
        }
        'mfile;help;completions' {
            break
        }
        'mfile;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
