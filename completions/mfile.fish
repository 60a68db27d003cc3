complete --keep-order --exclusive --command mfile --arguments "(COMPLETE=fish mfile -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
