# bash completion for fib-serve(1)

_fib_serve()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-s|--state|--pidfile|--logfile)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-l|--listen|--reserve|--redis|--redis-wait)
		return
		;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W '-s --state --redis --redis-wait -l --listen --reserve
		    -d --daemon --pidfile --logfile -q --quiet -h --help
		    --version' -- "$cur"))
		;;
	esac
}
complete -F _fib_serve fib-serve
