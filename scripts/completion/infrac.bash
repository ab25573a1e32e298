# bash completion for infrac and infrac-engine (installed by make install).
_infrac()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "check plan build estimate run explain schema --help --version" -- "$cur"))
        return
    fi
    case $prev in
        --format)
            case $cmd in
                plan) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
                estimate) COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "text json github sarif" -- "$cur")) ;;
            esac
            return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --engine) COMPREPLY=($(compgen -W "llama.cpp vllm infrac" -- "$cur")); return ;;
        -o|--gguf) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    case $cmd in
        check) COMPREPLY=($(compgen -W "--format --color --werror --help" -- "$cur")) ;;
        plan) COMPREPLY=($(compgen -W "--format --help" -- "$cur")) ;;
        build) COMPREPLY=($(compgen -W "-o --force --print-commands --format --color --werror --help" -- "$cur")) ;;
        run) COMPREPLY=($(compgen -W "--host --service --help" -- "$cur")) ;;
        schema) COMPREPLY=($(compgen -W "--markdown --help" -- "$cur")) ;;
        estimate) COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" estimate --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur")) ;;
    esac
    case $cur in -*) ;; *) COMPREPLY+=($(compgen -f -- "$cur")) ;; esac
}
_infrac_engine()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    case $cur in
        -*) COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _infrac infrac
complete -F _infrac_engine infrac-engine
