# fish completion for fib-snapshot(1)

set -l cmds init show check set next
complete -c fib-snapshot -f
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -a init -d 'Write a new state file'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -a show -d 'Print every key and the next number'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -a check -d 'Check a state file'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -a set -d 'Change keys'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -a next -d 'Print the next numbers'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -s h -l help -d 'Print the usage'
complete -c fib-snapshot -n "not __fish_seen_subcommand_from $cmds" -l version -d 'Print the version'
complete -c fib-snapshot -n "__fish_seen_subcommand_from $cmds" -F
complete -c fib-snapshot -n '__fish_seen_subcommand_from init' -l a -x -d 'First number of the pair'
complete -c fib-snapshot -n '__fish_seen_subcommand_from init' -l b -x -d 'Second number of the pair'
complete -c fib-snapshot -n '__fish_seen_subcommand_from init' -l index -x -d 'Start at a=F(N), b=F(N+1)'
complete -c fib-snapshot -n '__fish_seen_subcommand_from init' -l listen -x -d 'Default address of fib-serve'
complete -c fib-snapshot -n '__fish_seen_subcommand_from init' -l force -d 'Replace an existing file'
complete -c fib-snapshot -n '__fish_seen_subcommand_from show' -l json -d 'Print one JSON object'
complete -c fib-snapshot -n '__fish_seen_subcommand_from next' -s n -x -d 'How many numbers'
complete -c fib-snapshot -n '__fish_seen_subcommand_from set' -a 'a= b= served= reserve= reserved= listen=' -d 'KEY=VALUE'
