# fish completion for fib-serve(1)

complete -c fib-serve -s s -l state -r -F -d 'State file (default fib.state)'
complete -c fib-serve -s l -l listen -x -d 'Address: PORT, HOST:PORT, [IPV6]:PORT, unix:PATH'
complete -c fib-serve -l redis -x -d 'Share a sequence: redis://HOST:PORT/KEY, unix:PATH#KEY'
complete -c fib-serve -l redis-wait -x -d 'Serve a block once N replicas have it'
complete -c fib-serve -l reserve -x -d 'Keep the file at most N numbers behind, or the block size'
complete -c fib-serve -s d -l daemon -d 'Detach; exit once listening'
complete -c fib-serve -l pidfile -r -F -d 'Write the pid there'
complete -c fib-serve -l logfile -r -F -d 'Append the log there'
complete -c fib-serve -s q -l quiet -d 'Do not log connections'
complete -c fib-serve -s h -l help -d 'Print the usage'
complete -c fib-serve -l version -d 'Print the version'
