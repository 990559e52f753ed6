# fish completion for weblog-client(1)

complete -c weblog-client -f
complete -c weblog-client -s f -l format -x -a 'combined common tsv json xml' -d 'Output format'
complete -c weblog-client -s p -l poll -x -d 'Poll mode: send NEW? every SECONDS'
complete -c weblog-client -s n -l count -x -d 'Exit 0 after N hits'
complete -c weblog-client -s t -l timeout -x -d 'Exit 4 after SECONDS without a hit'
complete -c weblog-client -l reconnect -d 'Reconnect with exponential backoff instead of exiting'
complete -c weblog-client -l max-line -x -d 'Longest log line a hit may stand for'
complete -c weblog-client -l status -x -d 'Print only these statuses: 404,5xx,400-499'
complete -c weblog-client -l match -x -d 'Print only hits whose request matches REGEX'
complete -c weblog-client -l exclude -x -d 'Do not print hits of clients in this CIDR range'
complete -c weblog-client -s h -l help -d 'Print the usage'
complete -c weblog-client -l version -d 'Print the version'
