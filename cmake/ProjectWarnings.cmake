# orderhost_warnings(<target>): the warning policy for project code (not for third-party).
function(orderhost_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
