# bash completion for fib-snapshot(1)

_fib_snapshot()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W 'init show check set next -h --help
		    --version' -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	--a|--b|--index|--listen|-n)
		return
		;;
	esac
	case $cmd in
	init)
		case $cur in
		-*)
			COMPREPLY=($(compgen -W '--a --b --index --listen
			    --force --help' -- "$cur"))
			return
			;;
		esac
		;;
	show)
		case $cur in
		-*)
			COMPREPLY=($(compgen -W '--json --help' -- "$cur"))
			return
			;;
		esac
		;;
	next)
		case $cur in
		-*)
			COMPREPLY=($(compgen -W '-n --help' -- "$cur"))
			return
			;;
		esac
		;;
	set)
		# The file first, then KEY=VALUE assignments.
		if [ "$COMP_CWORD" -gt 2 ]; then
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W 'a= b= served= reserve= reserved= listen=' \
			    -- "$cur"))
			return
		fi
		;;
	check)
		;;
	*)
		return
		;;
	esac
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _fib_snapshot fib-snapshot
