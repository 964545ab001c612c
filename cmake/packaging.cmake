# Debian packages (`make package`): throng-agent, throng (the controller) and
# throng-server, each with its binary, systemd unit, settings and secret file
# (mode 0600) under /etc/throng, and a postinst that adds the `throng` user.

# name: component; package: Debian package name; target: its binary;
# unit: its systemd unit; config: the basename of its /etc/throng files.
function(throng_package component package target unit config summary)
  install(TARGETS ${target} RUNTIME DESTINATION bin COMPONENT ${component})
  install(FILES deploy/systemd/${unit} DESTINATION /lib/systemd/system COMPONENT ${component})
  install(FILES deploy/systemd/${config}.env DESTINATION /etc/throng COMPONENT ${component})
  install(FILES deploy/systemd/${config}.secret DESTINATION /etc/throng
          PERMISSIONS OWNER_READ OWNER_WRITE COMPONENT ${component})
  set(conffiles "/etc/throng/${config}.env\n/etc/throng/${config}.secret\n")
  foreach(extra IN LISTS ARGN)
    get_filename_component(name ${extra} NAME)
    set(conffiles "${conffiles}/etc/throng/${name}\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/debian/${component}/conffiles "${conffiles}")
  configure_file(deploy/debian/postinst ${CMAKE_BINARY_DIR}/debian/${component}/postinst COPYONLY)

  string(TOUPPER ${component} C)
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${package} PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_FILE_NAME "${package}_${PROJECT_VERSION}_amd64.deb" PARENT_SCOPE)
  set(CPACK_COMPONENT_${C}_DESCRIPTION "${summary}" PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_CONTROL_EXTRA
      "${CMAKE_BINARY_DIR}/debian/${component}/conffiles;${CMAKE_BINARY_DIR}/debian/${component}/postinst" PARENT_SCOPE)
endfunction()

throng_package(agent throng-agent throng-agent throng-agent.service agent
  "Throng load agent: simulates thousands of chat users and reports to a controller")
throng_package(controller throng throng throng-controller.service controller
  "Throng controller and CLI: runs YAML scenarios across agents and gates CI on thresholds")
throng_package(server throng-server throng-server throng-server.service server
  "Throng reference chat server: WebSocket chat with SQLite history" deploy/server.yaml)
install(FILES deploy/server.yaml DESTINATION /etc/throng COMPONENT server)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent controller server)
set(CPACK_PACKAGE_NAME throng)
set(CPACK_PACKAGE_VENDOR "Throng")
set(CPACK_PACKAGE_CONTACT "Throng maintainers <throng@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dependencies from the binaries' shared libraries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
include(CPack)
