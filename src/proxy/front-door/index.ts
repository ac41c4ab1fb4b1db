/** The front door as a process of its own: the builtin switch's supervisor, its control channel, its files. */
export { createRemoteSwitch } from './remote-switch.js';
export type { RemoteSwitch, RemoteSwitchOptions } from './remote-switch.js';
export { canRunSwitchProcess } from './switch-process.js';
export { frontDoorPaths, listFrontDoors, isOurs } from './files.js';
export type { FrontDoorPaths, FrontDoorRun } from './files.js';
export { stopFrontDoor } from './stop.js';
export { controlCall } from './control-channel.js';
export type { FrontDoorState } from './control-channel.js';
