# bash completion for weblog-serve(1)

_weblog_serve()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-m|--mode)
		COMPREPLY=($(compgen -W 'push poll' -- "$cur"))
		return
		;;
	-l|--listen|--http)
		case $cur in
		unix:*)
			COMPREPLY=($(compgen -P unix: -f -- "${cur#unix:}"))
			;;
		esac
		return
		;;
	--pidfile|--logfile)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--publish|--subscribe)
		case $cur in
		unix:*)
			COMPREPLY=($(compgen -P unix: -f -- "${cur#unix:}"))
			;;
		*)
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W 'redis:// unix:' -- "$cur"))
			;;
		esac
		return
		;;
	--format)
		COMPREPLY=($(compgen -W 'combined common vhost_combined' -- "$cur"))
		return
		;;
	-i|--interval|-k|--keep|-r|--replay|--max-clients|--max-queue|\
	--max-line|--linger|--rotate-wait|--heartbeat|--allow|--status|\
	--match|--exclude)
		return
		;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W '-d --daemon -q --quiet -l --listen --http --allow -m --mode
		    -i --interval -k --keep -r --replay --max-clients --max-queue
		    --max-line --linger --heartbeat --from-start --rotate-wait
		    --pidfile --logfile --format --status --match --exclude
		    --anonymize --publish --subscribe -h --help --version' \
		    -- "$cur"))
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}
complete -o filenames -F _weblog_serve weblog-serve
