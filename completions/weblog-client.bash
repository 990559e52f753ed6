# bash completion for weblog-client(1)

_weblog_client()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-f|--format)
		COMPREPLY=($(compgen -W 'combined common tsv json xml' -- "$cur"))
		return
		;;
	-p|--poll|-n|--count|-t|--timeout|--max-line|--status|--match|\
	--exclude)
		return
		;;
	esac
	case $cur in
	-*)
		COMPREPLY=($(compgen -W '-f --format -p --poll -n --count
		    -t --timeout --reconnect --max-line --status --match
		    --exclude -h --help --version' \
		    -- "$cur"))
		;;
	unix:*)
		COMPREPLY=($(compgen -P unix: -f -- "${cur#unix:}"))
		;;
	esac
}
complete -F _weblog_client weblog-client
