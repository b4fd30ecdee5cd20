/**
 * The agent's task engine (contract: agent/engine.ts): runs each task's containers on the
 * Docker engine, does the start-up calls as the execution role, and serves the endpoints
 * inside the task.
 */
import type { CreateTaskEngine } from '../engine.js'
import { Engine } from './task-engine.js'

export const createTaskEngine: CreateTaskEngine = options => new Engine(options)
