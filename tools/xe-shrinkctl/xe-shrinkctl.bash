# bash completion for xe-shrinkctl(8)
_xe_shrinkctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmds="list stats shrink purge bos purgeable threshold watch top clients help"
	local opts="--device --json --pretty --root --help --version"
	local cmd="" i nargs=0

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-d | --device | -r | --root | -b | --bytes | --sort | --state | --madvise | \
			--placement | --pid | --limit | -i | --interval | -n | --count)
			((i++)) ;;
		-*) ;;
		*) if [[ -z $cmd ]]; then cmd=${COMP_WORDS[i]}; else ((nargs++)); fi ;;
		esac
	done

	case $prev in
	-d | --device)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /dev/dri 2>/dev/null | sed -n 's/^card//p')" -- "$cur")
		return ;;
	-r | --root)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--sort)
		mapfile -t COMPREPLY < <(compgen -W "id size pid state" -- "$cur")
		return ;;
	--state)
		mapfile -t COMPREPLY < <(compgen -W "resident backed_up partial purged locked" -- "$cur")
		return ;;
	--madvise)
		mapfile -t COMPREPLY < <(compgen -W "willneed dontneed" -- "$cur")
		return ;;
	--placement)
		mapfile -t COMPREPLY < <(compgen -W "vram tt system" -- "$cur")
		return ;;
	-b | --bytes | --pid | --limit | -i | --interval | -n | --count)
		return ;;
	esac

	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$cmds $opts" -- "$cur")
		return
	fi
	case $cmd in
	shrink) opts+=" --bytes --all" ;;
	stats) opts+=" --all-devices" ;;
	bos) opts+=" --sort --state --madvise --placement --pid --limit" ;;
	watch | top) opts+=" --interval --count --all-devices" ;;
	threshold)
		[[ $cur != -* ]] && ((nargs == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "4K 8K 16K 32K 64K 128K 256K 512K 1M 2M" -- "$cur") &&
			return ;;
	help)
		((nargs == 0)) && mapfile -t COMPREPLY < <(compgen -W "${cmds% help}" -- "$cur")
		return ;;
	purgeable)
		opts+=" --force"
		[[ $cur != -* ]] && ((nargs == 1)) &&
			mapfile -t COMPREPLY < <(compgen -W "dontneed willneed" -- "$cur") && return ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}
complete -F _xe_shrinkctl xe-shrinkctl
