#compdef xe-shrinkctl
# zsh completion for xe-shrinkctl(8); installed as _xe-shrinkctl in a
# directory of $fpath.

_xe_shrinkctl_cards() {
	local -a cards
	cards=(/dev/dri/card<->(N:t))
	cards=(${cards#card})
	_describe -t cards 'card' cards
}

_xe-shrinkctl() {
	local curcontext=$curcontext state line ret=1
	local -a common all_devices commands
	typeset -A opt_args

	common=(
		'(-d --device -a --all-devices)'{-d+,--device=}'[the card]:card:_xe_shrinkctl_cards'
		'(-j --json)'{-j,--json}'[JSON output]'
		'(-p --pretty)'{-p,--pretty}'[indented JSON]'
		'(-r --root)'{-r+,--root=}'[run against a tree under DIR]:directory:_directories'
		'(- *)'{-h,--help}'[help]'
	)
	all_devices=('(-a --all-devices -d --device)'{-a,--all-devices}'[every device with the nodes]')
	commands=(
		'list:DRM devices, their driver and bus, and their shrinker nodes'
		'stats:the shrinker statistics'
		'shrink:reclaim now, with every pass'
		'purge:drop the contents of every purgeable BO now'
		'bos:the buffer objects'
		'purgeable:mark a BO purgeable, or needed again'
		'threshold:read or set the SVM migration threshold'
		'watch:live statistics with rates'
		'top:watch, with the DRM clients'
		'clients:memory of each DRM client per region'
		'help:help on a command'
	)

	_arguments -C $common '(- *)'{-V,--version}'[the version]' \
		'1:command:->command' '*::argument:->argument' && ret=0
	case $state in
	command)
		_describe -t commands 'command' commands && ret=0
		;;
	argument)
		curcontext=${curcontext%:*:*}:xe-shrinkctl-$words[1]:
		case $words[1] in
		shrink)
			_arguments $common \
				'(--all)'{-b+,--bytes=}'[reclaim at least SIZE]:size (4096, 64K, 512MiB, 1.5G)' \
				'(-b --bytes)--all[everything reclaimable]' && ret=0
			;;
		bos)
			_arguments $common \
				'--sort=[order]:key:(id size pid state)' \
				'--state=[only BOs in this state]:state:(resident backed_up partial purged locked)' \
				'--madvise=[only BOs with this advice]:advice:(willneed dontneed)' \
				'--placement=[only BOs in this placement]:placement:(vram tt system)' \
				'--pid=[only the BOs of a process]:pid:_pids' \
				'--limit=[at most N BOs]:count' && ret=0
			;;
		purgeable)
			_arguments $common \
				'(-f --force)'{-f,--force}'[dontneed on the BO of another process]' \
				'1:BO id' '2:advice:(dontneed willneed)' && ret=0
			;;
		threshold)
			_arguments $common '1::size:(4K 8K 16K 32K 64K 128K 256K 512K 1M 2M)' && ret=0
			;;
		watch|top)
			_arguments $common $all_devices \
				'(-i --interval)'{-i+,--interval=}'[seconds between samples]:seconds' \
				'(-n --count)'{-n+,--count=}'[stop after N samples]:count' && ret=0
			;;
		stats)
			_arguments $common $all_devices && ret=0
			;;
		help)
			_arguments '1:command:(${commands%%:*})' && ret=0
			;;
		*)
			_arguments $common && ret=0
			;;
		esac
		;;
	esac
	return ret
}

_xe-shrinkctl "$@"
