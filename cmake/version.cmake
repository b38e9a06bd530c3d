# Writes OUT (a header defining LUNGFISH_GIT_DESCRIBE) from `git describe` of SOURCE_DIR, only
# when it changes, so that `lungfish --version` names the commit the binary was built from.
# Run at every build by the target lungfish_version (CMakeLists.txt).
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE failed)
if(failed OR describe STREQUAL "")
  set(describe "unknown")
endif()
set(text "#define LUNGFISH_GIT_DESCRIBE \"${describe}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
