# softpatch_instrument(<target> [ROOT <dir>])
#
# Builds <target> with soft-mock trampolines in every eligible function of the
# project's C++ files, so that it can be patched live and mocked in tests:
#
#   find_package(softpatch CONFIG REQUIRED)   # or add_subdirectory(softpatch)
#   add_executable(server main.cpp store.cpp)
#   softpatch_instrument(server)
#
# It sets softpatch-cc as the target's C++ compiler launcher (for this target
# only), links the softpatch runtime and loader, exports an executable's symbols so that
# patches bind to its state (ENABLE_EXPORTS), and writes compile_commands.json.
# Files outside the project root (ROOT, by default the top source directory)
# are compiled untouched; give ROOT for sources generated into the build tree.
function(softpatch_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ROOT" "")
  if(NOT arg_ROOT)
    set(arg_ROOT "${CMAKE_SOURCE_DIR}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "softpatch_instrument: no target named '${target}'")
  endif()
  if(NOT SOFTPATCH_CC)
    message(FATAL_ERROR "softpatch_instrument: softpatch-cc not found (SOFTPATCH_CC is empty)")
  endif()
  set_property(TARGET ${target} PROPERTY CXX_COMPILER_LAUNCHER
               "${SOFTPATCH_CC}" "--root=${arg_ROOT}")
  set_property(TARGET ${target} PROPERTY EXPORT_COMPILE_COMMANDS ON)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set_property(TARGET ${target} PROPERTY ENABLE_EXPORTS ON)
  endif()
  # Appended to the property rather than via target_link_libraries, which
  # would clash with whichever signature the project already uses.
  # The loader (and the agent in it) is linked even though the program calls
  # nothing in it, where the linker drops unused libraries (--as-needed).
  set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES
               "-Wl,--push-state,--no-as-needed" softpatch::loader "-Wl,--pop-state"
               softpatch::runtime)
  if(TARGET softpatch-cc)
    add_dependencies(${target} softpatch-cc)
  endif()
  # A new softpatch-cc may instrument differently: rebuild the objects.
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY
               OBJECT_DEPENDS "${SOFTPATCH_CC}")
endfunction()
