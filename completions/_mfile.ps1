
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
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
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
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List stored files from the catalog')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy a version''s files into a folder')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove files, a version or a model')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions of a model')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the models in the center')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Rehash stored files and report missing, corrupted and untracked ones')
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
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;config' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'm')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;import' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'The model name')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'The version name (e.g. 1.0)')
            [CompletionResult]::new('--subdir', '--subdir', [CompletionResultType]::ParameterName, 'The folder inside the version to import into')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only files matching GLOB (a glob without / matches the name at any depth)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out files matching GLOB (wins over --include)')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
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
        'mfile;scan' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Only this version (needs --model)')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only files matching GLOB (a glob without / matches the name at any depth)')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Leave out files matching GLOB (wins over --include)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'name ascending; size and mod largest/newest first')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
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
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
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
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'm')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Remove the files matching GLOB')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
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
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'm')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'model')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;profiles' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;verify' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'm')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'model')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'version')
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no progress, per-file lines or summaries; errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mfile;completions' {
            [CompletionResult]::new('--center', '--center', [CompletionResultType]::ParameterName, 'The center folder (overrides MFILE_CENTER and the config file)')
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
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'List stored files from the catalog')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy a version''s files into a folder')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove files, a version or a model')
            [CompletionResult]::new('versions', 'versions', [CompletionResultType]::ParameterValue, 'List the versions of a model')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List the models in the center')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Rehash stored files and report missing, corrupted and untracked ones')
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
        'mfile;help;profiles' {
            break
        }
        'mfile;help;verify' {
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
